import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';

/** What a role logs with: lines for people, each also a JSON line in the log file when there is one. */
export interface RoleLog {
  info(m: string): void;
  warn(m: string): void;
}

export interface LogFileOptions {
  readonly file: string;
  /** A file that reaches this size is renamed `<file>.1` (the older ones move up) and a new one begun. */
  readonly maxBytes: number;
  /** How many renamed files are kept. */
  readonly keep: number;
}

/**
 * A log file of JSON lines (`{"time","level","role","msg"}`), rotated by size: written
 * synchronously, so the line before a crash is on disk (a role logs a few lines a minute, not per
 * request). A failure to write goes to stderr once and does not stop the role.
 */
export function fileLog(role: string, o: LogFileOptions): (level: 'info' | 'warn', msg: string) => void {
  mkdirSync(dirname(o.file), { recursive: true });
  let size = existsSync(o.file) ? statSync(o.file).size : 0;
  let failed = false;
  const rotate = () => {
    rmSync(`${o.file}.${o.keep}`, { force: true });
    for (let i = o.keep - 1; i >= 1; i--)
      if (existsSync(`${o.file}.${i}`)) renameSync(`${o.file}.${i}`, `${o.file}.${i + 1}`);
    if (o.keep > 0) renameSync(o.file, `${o.file}.1`);
    else rmSync(o.file, { force: true });
    size = 0;
  };
  return (level, msg) => {
    const line = `${JSON.stringify({ time: new Date().toISOString(), level, role, msg })}\n`;
    try {
      if (size > 0 && size + Buffer.byteLength(line) > o.maxBytes) rotate();
      appendFileSync(o.file, line);
      size += Buffer.byteLength(line);
      failed = false;
    } catch (e) {
      if (!failed)
        process.stderr.write(`openkassa: cannot write the log file ${o.file}: ${(e as Error).message}\n`);
      failed = true;
    }
  };
}

/** The role's log: the console as always, and the file of `--log-file` too. */
export function roleLog(role: string, file?: LogFileOptions): RoleLog {
  const write = file ? fileLog(role, file) : undefined;
  return {
    info: (m) => {
      console.log(m);
      write?.('info', m);
    },
    warn: (m) => {
      console.warn(m);
      write?.('warn', m);
    },
  };
}

/** "10m", "512k", "1g" or bytes. */
function size(value: string): number {
  const m = /^(\d+)\s*([kmg]?)b?$/i.exec(value.trim());
  if (!m || Number(m[1]) === 0)
    throw new InvalidArgumentError(`expected a size like 10m or 512k, got "${value}"`);
  return (
    Number(m[1]) * { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g']
  );
}

/** The log file flags every long-running role takes: --log-file, --log-max-size, --log-keep. */
export function logFileOptions(): [Option, Option, Option] {
  return [
    new Option('--log-file <file>', 'also write the log to this file, as JSON lines, rotated by size'),
    new Option('--log-max-size <size>', 'rotate the log file at this size (10m, 512k)')
      .argParser(size)
      .default(10 * 1024 ** 2, '10m'),
    new Option('--log-keep <n>', 'rotated log files to keep')
      .argParser((v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 100)
          throw new InvalidArgumentError(`expected 0..100, got "${v}"`);
        return n;
      })
      .default(5),
  ];
}

/** The log file the flags ask for (relative to `cwd`), or none. */
export function logFileFrom(
  cwd: string,
  o: { logFile?: string; logMaxSize: number; logKeep: number },
): LogFileOptions | undefined {
  return o.logFile === undefined
    ? undefined
    : { file: resolve(cwd, o.logFile), maxBytes: o.logMaxSize, keep: o.logKeep };
}
