import { databaseUnavailable } from '@openkassa/db/light';

/**
 * What went wrong when a role could not start, as one line a person can act on: the database
 * unreachable, a schema left from an older install, migrations that do not match this version, a
 * port in use, a data folder that cannot be read or written. Undefined for anything else (a bug:
 * its stack is printed).
 */
export function startupProblem(e: unknown): string | undefined {
  const err = e as {
    code?: unknown;
    message?: unknown;
    address?: unknown;
    port?: unknown;
    path?: unknown;
    flag?: unknown;
  } | null;
  const code = typeof err?.code === 'string' ? err.code : '';
  const msg = typeof err?.message === 'string' ? err.message : String(e);
  const flag = typeof err?.flag === 'string' ? ` (${err.flag})` : '';
  const port = typeof err?.port === 'number' ? String(err.port) : '';
  const address = typeof err?.address === 'string' ? err.address : '';
  if (code === 'EADDRINUSE')
    return `the address ${address ? `${address}:` : ''}${port}${flag} is already in use (another process, or another OpenKassa, listens there): stop it or choose another port`;
  if (code === 'EADDRNOTAVAIL')
    return `the address ${address}${flag} is not one of this machine's: choose a local address (127.0.0.1 or 0.0.0.0)`;
  if (code === 'EACCES' && port)
    return `no permission to listen on port ${port}: ports below 1024 need administrator rights; choose a port above 1024`;
  // PostgreSQL: a table that should be new already exists — a schema left from an earlier install
  if (code === '42P07') {
    const m = /relation "([^"]+)" already exists/.exec(msg);
    return `the database already holds ${m ? `the table "${m[1]}"` : 'OpenKassa tables'} that this install's migrations did not create (a schema, or its "_archive" companion, left from an earlier install): choose a new schema (--db …?schema=<new>) or drop the old one (drop schema <name> cascade; drop schema <name>_archive cascade)`;
  }
  if (code === '3D000') return `${msg}: create it (createdb) or correct --db`;
  if (code === '28P01' || code === '28000')
    return `the database refused the login (${msg}): correct the user or password in --db`;
  if (/corrupted migrations/.test(msg))
    return `the database was migrated by another version of OpenKassa (${msg.replace(/^corrupted migrations: /, '')}): run the version that made it, or a newer one`;
  if (
    ['SQLITE_CANTOPEN', 'EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EISDIR', 'EEXIST'].includes(code) ||
    code === 'SQLITE_READONLY'
  )
    return `cannot open the data folder${typeof err?.path === 'string' ? ` ${err.path}` : ''}: ${msg} — check that it exists and that this user may write to it (--data)`;
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT')
    return `the data folder holds a file that is not an OpenKassa database (${msg}): restore it from a backup (openkassa restore) or use another folder`;
  const away = databaseUnavailable(e);
  if (away) return `${away}: is the database running and reachable? (check --db)`;
  return undefined;
}
