import { InvalidArgumentError } from 'commander';

/** Parses "host:port", ":port" or "port" for flags like --http and --ofd. */
export function hostPort(value: string): { host: string; port: number } {
  const m = /^(?:(\[[^\]]+\]|[^:]*):)?(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new InvalidArgumentError(`expected host:port, got "${value}"`);
  const host = (m[1] ?? '').replace(/^\[|\]$/g, '');
  return { host: host === '' ? '127.0.0.1' : host, port };
}

export function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected a whole number ${min}..${max}, got "${value}"`);
    return n;
  };
}

/** Resolves when the process is asked to stop (Ctrl+C, service stop). */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => () => resolve(sig);
    process.once('SIGINT', on('SIGINT'));
    process.once('SIGTERM', on('SIGTERM'));
  });
}

/** An http(s) base URL for flags like --upstream-server and --server. */
export function httpUrl(value: string): string {
  let u: URL;
  try {
    u = new URL(value.trim());
  } catch {
    throw new InvalidArgumentError(`expected a URL like http://host:port, got "${value}"`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new InvalidArgumentError(`expected an http:// or https:// URL, got "${value}"`);
  return u.origin;
}
