import { readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import type { Io } from '../io.js';

function readInput(io: Io, file: string | undefined): Uint8Array {
  if (file === undefined || file === '-') return io.readStdin();
  return new Uint8Array(readFileSync(file));
}

export function fiscalCommand(io: Io): Command {
  const fiscal = new Command('fiscal').description(
    'Fiscal data tools for support engineers: decode and encode OFD messages and documents',
  );

  fiscal
    .command('decode')
    .description(
      'Read hex or binary (a whole OFD message, a container, or a bare document TLV — detected) and print JSON: ' +
        'header fields, form, FFD version, every tag with its FNS JSON key and value, unknown tags as hex, and the FLK result',
    )
    .argument('[file]', 'file to read, or - for standard input', '-')
    .option('--compact', 'one-line JSON')
    .action(async (file: string, opts: { compact?: boolean }) => {
      const { bytesFromInput, inspect } = await import('@openkassa/fiscal');
      const r = inspect(bytesFromInput(readInput(io, file)));
      if (!r.ok) {
        io.err(`openkassa fiscal decode: ${r.error.message}\n`);
        io.setExitCode(2);
        return;
      }
      io.out(JSON.stringify(r.value, null, opts.compact ? undefined : 2) + '\n');
    });

  fiscal
    .command('encode')
    .description(
      'Turn JSON as printed by "fiscal decode" (or plain FNS JSON such as {"receipt": {...}}) back into bytes',
    )
    .argument('[file]', 'JSON file, or - for standard input', '-')
    .option('--binary', 'write raw bytes instead of hex')
    .option('-o, --out <file>', 'write to a file instead of standard output')
    .action(async (file: string, opts: { binary?: boolean; out?: string }) => {
      const text = new TextDecoder().decode(readInput(io, file));
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        io.err(`openkassa fiscal encode: input is not JSON: ${(e as Error).message}\n`);
        io.setExitCode(2);
        return;
      }
      const { rebuild, toHex } = await import('@openkassa/fiscal');
      const r = rebuild(json);
      if (!r.ok) {
        io.err(`openkassa fiscal encode: ${r.error.message}\n`);
        io.setExitCode(2);
        return;
      }
      const data = opts.binary ? r.value : new TextEncoder().encode(toHex(r.value) + '\n');
      if (opts.out !== undefined) writeFileSync(opts.out, data);
      else io.outBytes(data);
    });

  return fiscal;
}
