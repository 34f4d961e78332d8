/**
 * Why an error means the database is away (not that a statement or the data is wrong), in a few
 * words, or undefined: PostgreSQL down, restarting, out of connections or disk; SQLite's disk
 * full, an I/O error, the file locked past the retry window.
 */
export function databaseUnavailable(e: unknown): string | undefined {
  const err = e as { code?: unknown; message?: unknown } | null;
  const code = typeof err?.code === 'string' ? err.code : '';
  const msg = typeof err?.message === 'string' ? err.message : String(e);
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === '53100') return `disk full (${msg})`;
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN' || code === 'EIO')
    return `disk I/O error (${msg})`;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return `database locked (${msg})`;
  if (code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY_')) return `database read-only (${msg})`;
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code))
    return `database unreachable (${msg})`;
  // PostgreSQL: connection exceptions, shutdown or start-up, out of resources
  if (/^(08|57P|53)/.test(code)) return `database unavailable (${msg})`;
  if (
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i.test(
      msg,
    )
  )
    return `database unreachable (${msg})`;
  return undefined;
}
