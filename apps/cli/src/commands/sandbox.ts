import { Command, Option } from 'commander';
import type { Io } from '../io.js';
import { integer, untilSignal } from '../options.js';

export interface DemoOptions {
  data: string;
  stores: number;
  registers: number;
  sellEvery: number;
  randomPorts?: boolean;
}

/**
 * The sandbox of `npm start` (and `openkassa demo` with options): an OFD emulator, a head-office
 * cash server, store cash servers and emulated ККТ chained ККТ → store → head office → OFD, all on
 * embedded SQLite, with a little background selling. It says plainly what does not exist yet.
 */
export function sandboxCommand(io: Io, stop: () => Promise<string> = untilSignal): Command {
  return withDemoOptions(new Command('sandbox'), 1, 2)
    .description(
      'Run the sandbox: OFD emulator, head office, a store with two emulated ККТ, background selling (what npm start runs)',
    )
    .action(async (o: DemoOptions) => (await import('./sandbox-run.js')).runDemo(io, o, stop));
}

export function demoCommand(io: Io, stop: () => Promise<string> = untilSignal): Command {
  return withDemoOptions(new Command('demo'), 2, 3)
    .description(
      'Run a demo chain of several stores and registers: ККТ → store servers → head office → OFD emulator',
    )
    .action(async (o: DemoOptions) => (await import('./sandbox-run.js')).runDemo(io, o, stop));
}

function withDemoOptions(c: Command, stores: number, registers: number): Command {
  return c
    .addOption(new Option('--data <dir>', 'data folder').default('.sandbox'))
    .addOption(new Option('--stores <n>', 'store servers').argParser(integer(1, 50)).default(stores))
    .addOption(
      new Option('--registers <n>', 'emulated ККТ per store').argParser(integer(1, 100)).default(registers),
    )
    .addOption(
      new Option('--sell-every <ms>', 'each ККТ sells a receipt this often (0: no background selling)')
        .argParser(integer(0, 3_600_000))
        .default(5000),
    )
    .addOption(
      new Option(
        '--random-ports',
        'let the system pick every port (the default layout starts at OFD 7790, head office 7777/8080)',
      ),
    );
}
