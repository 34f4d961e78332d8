/**
 * Whether a transaction started inside another is refused with NestedTransactionError instead of
 * waiting forever for the connection it holds. The check follows the transaction through every
 * await with AsyncLocalStorage, which on Node 20 slows every promise of the process (the relay's
 * per-hop latency by 0.2–0.4 ms); test databases turn it on, production leaves it off.
 */
interface Checks {
  readonly checkNesting?: boolean;
  /**
   * Whether a SQLite transaction that commits without waiting for the disk (`sync: 'background'`
   * or `'none'`) and writes a companion database fails: only the main database's log is synced
   * for those, so the companion's write would not be durable. Read from the index SQLite keeps of
   * each companion's log (its `-shm` file) before and after the transaction; for test databases.
   */
  readonly checkCompanionSync?: boolean;
}

export type DbConfig =
  | (Checks & {
      readonly kind: 'sqlite';
      /** Database file; ':memory:' for a throwaway one. */
      readonly file: string;
      /** How long SQLite itself waits on a lock before we back off asynchronously. */
      readonly busyTimeoutMs?: number;
      /** How long a transaction keeps retrying on SQLITE_BUSY before giving up. */
      readonly busyRetryMs?: number;
    })
  | (Checks & {
      readonly kind: 'postgres';
      readonly url: string;
      /** Schema to work in (created by migrate when missing); default the server's search_path. */
      readonly schema?: string;
      readonly poolSize?: number;
    });

export type DialectName = DbConfig['kind'];

/** Parses a --db value: a postgres:// URL, or a path (or sqlite:path) for SQLite. */
export function parseDbUrl(value: string): DbConfig {
  if (/^postgres(ql)?:\/\//.test(value)) {
    const u = new URL(value);
    const schema = u.searchParams.get('schema') ?? undefined;
    u.searchParams.delete('schema');
    return { kind: 'postgres', url: u.toString(), ...(schema !== undefined && { schema }) };
  }
  return { kind: 'sqlite', file: value.replace(/^sqlite:/, '') };
}
