import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import type { Io } from '../io.js';
import { hostPort, integer, untilSignal } from '../options.js';

type Addr = { host: string; port: number };

export function kktEmulatorCommand(io: Io, stop: () => Promise<string> = untilSignal): Command {
  return new Command('kkt-emulator')
    .description(
      'Run a virtual cash register with a fiscal drive (ФН) emulator: ATOL JSON tasks on --http, OFD protocol to --ofd',
    )
    .addOption(new Option('--fn <number>', 'ФН number, 16 digits').makeOptionMandatory())
    .addOption(
      new Option('--ofd <host:port>', 'where the ФН sends its documents (an OFD or a cash server relay)')
        .argParser(hostPort)
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--http <host:port>', 'ATOL Web Server API address')
        .argParser(hostPort)
        .default(hostPort('127.0.0.1:16732'), '127.0.0.1:16732'),
    )
    .addOption(new Option('--data <dir>', 'folder for the ФН archive and counters').makeOptionMandatory())
    .addOption(
      new Option('--ffd <version>', 'fiscal document format').choices(['1.05', '1.2']).default('1.2'),
    )
    .addOption(
      new Option('--tz-offset <minutes>', 'offset of the place of settlement from UTC')
        .argParser(integer(-720, 840))
        .default(180),
    )
    .addOption(
      new Option('--emulator-key <text>', 'key of the emulated fiscal signs (shared with the OFD emulator)'),
    )
    .addOption(
      new Option('--ofd-timeout <ms>', 'wait for an OFD answer')
        .argParser(integer(100, 600_000))
        .default(10_000),
    )
    .addOption(
      new Option('--ofd-retry-max <ms>', 'longest pause between delivery attempts')
        .argParser(integer(10, 3_600_000))
        .default(60_000),
    )
    .action(
      async (o: {
        fn: string;
        ofd: Addr;
        http: Addr;
        data: string;
        ffd: '1.05' | '1.2';
        tzOffset: number;
        emulatorKey?: string;
        ofdTimeout: number;
        ofdRetryMax: number;
      }) => {
        // loaded here, not at the top: every other command (the server) runs without the emulators' code
        const { startKktEmulator } = await import('@openkassa/kkt-emulator');
        const kkt = await startKktEmulator({
          fn: o.fn,
          ofd: o.ofd,
          http: o.http,
          dataDir: resolve(io.cwd, o.data),
          ffd: o.ffd,
          tzOffsetMinutes: o.tzOffset,
          answerTimeoutMs: o.ofdTimeout,
          retryMaxMs: o.ofdRetryMax,
          retryMinMs: Math.min(500, o.ofdRetryMax),
          ...(o.emulatorKey !== undefined && { emulatorKey: o.emulatorKey }),
        });
        io.out(
          `ККТ emulator (emulated ФН ${o.fn}, FFD ${o.ffd}): ATOL JSON tasks at ${kkt.httpUrl}/api/v2/requests, ФН status at ${kkt.httpUrl}/api/v1/fn; OFD ${o.ofd.host}:${o.ofd.port}\n`,
        );
        await stop();
        await kkt.close();
      },
    );
}

export function ofdEmulatorCommand(io: Io, stop: () => Promise<string> = untilSignal): Command {
  return new Command('ofd-emulator')
    .description(
      'Run the sandbox OFD: accepts OFD-protocol messages, runs ФЛК, answers with emulated confirmations, can be told to fail',
    )
    .addOption(
      new Option('--listen <host:port>', 'OFD protocol (TCP) address')
        .argParser(hostPort)
        .default(hostPort('127.0.0.1:7777'), '127.0.0.1:7777'),
    )
    .addOption(
      new Option('--http <host:port>', 'HTTP API address (documents, faults)')
        .argParser(hostPort)
        .default(hostPort('127.0.0.1:7780'), '127.0.0.1:7780'),
    )
    .addOption(new Option('--data <dir>', 'folder for what the OFD received').makeOptionMandatory())
    .addOption(new Option('--inn <inn>', "the operator's INN in its answers").default('7799000000'))
    .addOption(
      new Option('--tz-offset <minutes>', "offset of the operator's time from UTC")
        .argParser(integer(-720, 840))
        .default(180),
    )
    .addOption(
      new Option('--emulator-key <text>', 'key of the emulated fiscal signs (shared with the ККТ emulators)'),
    )
    .action(
      async (o: {
        listen: Addr;
        http: Addr;
        data: string;
        inn: string;
        tzOffset: number;
        emulatorKey?: string;
      }) => {
        const { startOfdEmulator } = await import('@openkassa/ofd-emulator');
        const ofd = await startOfdEmulator({
          listen: o.listen,
          http: o.http,
          dataDir: resolve(io.cwd, o.data),
          inn: o.inn,
          tzOffsetMinutes: o.tzOffset,
          ...(o.emulatorKey !== undefined && { emulatorKey: o.emulatorKey }),
        });
        io.out(
          `OFD emulator: OFD protocol on tcp://${ofd.tcp.host}:${ofd.tcp.port}, API at ${ofd.httpUrl}/api/v1/documents and ${ofd.httpUrl}/api/v1/faults\n`,
        );
        await stop();
        await ofd.close();
      },
    );
}
