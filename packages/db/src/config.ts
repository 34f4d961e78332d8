export type DbConfig =
  | {
      readonly kind: 'sqlite';
      /** Database file; ':memory:' for a throwaway one. */
      readonly file: string;
      /** How long SQLite itself waits on a lock before we back off asynchronously. */
      readonly busyTimeoutMs?: number;
      /** How long a transaction keeps retrying on SQLITE_BUSY before giving up. */
      readonly busyRetryMs?: number;
    }
  | {
      readonly kind: 'postgres';
      readonly url: string;
      /** Schema to work in (created by migrate when missing); default the server's search_path. */
      readonly schema?: string;
      readonly poolSize?: number;
    };

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
