import { readFileSync } from 'node:fs';

/** The process's outside world for commands, so tests can run them in-process. */
export interface Io {
  out(text: string): void;
  outBytes(bytes: Uint8Array): void;
  err(text: string): void;
  readStdin(): Uint8Array;
  setExitCode(code: number): void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

export function processIo(): Io {
  return {
    out: (t) => process.stdout.write(t),
    outBytes: (b) => process.stdout.write(b),
    err: (t) => process.stderr.write(t),
    readStdin: () => new Uint8Array(readFileSync(0)),
    setExitCode: (c) => {
      process.exitCode = c;
    },
    env: process.env,
    cwd: process.cwd(),
  };
}

/** A progress bar on the terminal (stderr), redrawn in place. */
export function progress(io: Io, label: string, done: number, total: number): void {
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  io.err(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
}
