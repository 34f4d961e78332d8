import { AsyncLocalStorage } from 'node:async_hooks';
import { closeSync, mkdirSync, openSync, readSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  Migrator,
  PostgresDialect,
  sql,
  SqliteDialect,
  type MigrationResultSet,
} from 'kysely';
import type pg from 'pg';
import { createRequire } from 'node:module';
import type { DbConfig, DialectName } from './config.js';
import { migrations as coreMigrations, type MigrationList } from './migrations/index.js';
import { WalSync } from './wal-sync.js';
import { databaseUnavailable } from './errors.js';

export interface Tx<DB> {
  /** Bound to this transaction's connection. */
  readonly db: Kysely<DB>;
  /** Runs after COMMIT succeeds (never on rollback); for outbox kicks, notifications, caches. */
  onCommit(hook: () => void | Promise<void>): void;
}

export interface TransactionOptions {
  /** For reads that must see one snapshot; writers always start with a write lock on SQLite. */
  readonly readOnly?: boolean;
  /**
   * How the commit reaches the disk; in every mode it survives the process being killed.
   * - `'commit'` (default): COMMIT returns once the commit is on disk (on SQLite it waits
   *   inside the call, holding the event loop).
   * - `'background'`: the promise still resolves only once the commit is on disk, but on SQLite
   *   the disk's sync runs in Node's thread pool after COMMIT (see `WalSync`), so the event loop
   *   serves others meanwhile, and one sync serves every commit written before it. The data is
   *   visible from COMMIT on, a moment before it is durable: for writers (group commit) whose
   *   callers act on a write only once its promise resolved. On PostgreSQL the same as `'commit'`.
   *   On SQLite only the main database's log is synced: a transaction that writes a companion
   *   database (`OpenOptions.attach`) commits with `'commit'`.
   * - `'none'`: nothing waits for the disk (SQLite `synchronous = NORMAL`, PostgreSQL
   *   `synchronous_commit = off`). A power loss may undo the commit, with the other such commits
   *   after it — never a durable commit that followed it, whose sync takes every earlier commit
   *   along. Only for writes that can be redone from what is durable.
   */
  readonly sync?: 'commit' | 'background' | 'none';
}

export interface DbLog {
  error(message: string, err: unknown): void;
}

export interface Database<DB> {
  readonly dialect: DialectName;
  /** For single statements and reads outside a transaction. */
  readonly db: Kysely<DB>;
  /**
   * Runs `fn` in one transaction. On SQLite lock contention (SQLITE_BUSY) and on PostgreSQL
   * serialization failures or deadlocks the whole callback is retried, so keep side effects
   * in `onCommit` hooks. Resolves only after COMMIT returned.
   */
  transaction<T>(fn: (tx: Tx<DB>) => Promise<T>, opts?: TransactionOptions): Promise<T>;
  migrate(): Promise<MigrationReport>;
  /**
   * Where a companion database (see `OpenOptions.attach`) lives, to qualify its tables:
   * on SQLite the attached file's name, on PostgreSQL the schema `<schema>_<name>`.
   */
  companion(name: string): string;
  /**
   * Whether the database answers now, within `timeoutMs`: a read, and — after a write failed for a
   * reason outside the data (disk full, I/O error, the server away) — a small durable write, so a
   * freed disk shows as soon as it is freed.
   */
  health(timeoutMs?: number): Promise<DatabaseHealth>;
  close(): Promise<void>;
}

export type DatabaseHealth =
  { readonly ok: true } | { readonly ok: false; readonly error: string; readonly since: string };

export interface MigrationReport {
  readonly applied: readonly string[];
  readonly all: readonly string[];
}

export class NestedTransactionError extends Error {
  constructor() {
    super('a transaction was started inside another one; pass the outer Tx down instead');
    this.name = 'NestedTransactionError';
  }
}

/**
 * A `'background'` commit was made but the disk's sync failed: the data is committed (and
 * visible), but whether it survives a power loss is unknown. Not to be retried by writing again.
 */
export class CommitNotSyncedError extends Error {
  constructor(cause: unknown) {
    super(
      `committed, but syncing the write-ahead log failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
    this.name = 'CommitNotSyncedError';
  }
}

/** A fixed statement (BEGIN, COMMIT, SET LOCAL), run without building it anew each time. */
const fixed = new Map<string, CompiledQuery>();
function run<DB>(conn: Kysely<DB>, statement: string): Promise<unknown> {
  let q = fixed.get(statement);
  if (!q) fixed.set(statement, (q = CompiledQuery.raw(statement)));
  return conn.executeQuery(q);
}

/**
 * The SQLite connection under each transaction running now, by the Kysely instance its
 * statements go through: while the transaction holds the connection, a statement of a hot path
 * may run on it directly (see `prepare`), skipping Kysely's asynchronous layers.
 */
const sqliteTransactions = new WeakMap<object, BetterSqlite3.Database>();

/** The SQLite connection of the transaction `db` is bound to, if it is one. */
export function transactionConnection(db: Kysely<unknown>): BetterSqlite3.Database | undefined {
  return sqliteTransactions.get(db);
}

const INT8_OID = 20;

function parseInt8(v: string): number {
  // bigint columns hold kopecks and counters: numbers, and loudly wrong if ever unsafe.
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${v} exceeds 2^53`);
  return n;
}

/**
 * The PostgreSQL driver, loaded only for a PostgreSQL database: a store server or a till on SQLite
 * never pays its memory (about 15 MB resident).
 */
const loadPg = (): typeof pg => createRequire(import.meta.url)('pg') as typeof pg;

function pgTypes(pg: typeof import('pg').default): { getTypeParser: typeof pg.types.getTypeParser } {
  const base = pg.types.getTypeParser.bind(pg.types) as (oid: number, format?: string) => unknown;
  const getTypeParser = (oid: number, format?: string): unknown =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : base(oid, format);
  return { getTypeParser: getTypeParser as typeof pg.types.getTypeParser };
}

/**
 * Kysely prepares every statement anew; on a hot path (the relay) preparing costs as much as
 * running. Statements are reused by SQL text. Kysely runs one statement at a time on this one
 * connection and never streams here, so a cached statement is never busy when reused.
 */
function withStatementCache(conn: BetterSqlite3.Database, max = 500): BetterSqlite3.Database {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepare = conn.prepare.bind(conn);
  const cached = (sqlText: string) => {
    let st = cache.get(sqlText);
    if (!st) {
      st = prepare(sqlText);
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
      cache.set(sqlText, st);
    }
    return st;
  };
  return new Proxy(conn, {
    get: (target, prop, receiver) =>
      prop === 'prepare' ? cached : (Reflect.get(target, prop, receiver) as unknown),
  });
}

/**
 * The header of the index SQLite keeps of a database's write-ahead log (the first 48 bytes of its
 * `-shm` file: a counter of write transactions, the last valid frame, the log's salts), as hex;
 * it changes with every transaction that writes the database. Undefined without an index.
 */
function walIndexHeader(database: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(`${database}-shm`, 'r');
  } catch {
    return undefined;
  }
  try {
    const header = Buffer.alloc(48);
    readSync(fd, header, 0, 48, 0);
    return header.toString('hex');
  } finally {
    closeSync(fd);
  }
}

function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED';
}

function isPgRetryable(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

export interface OpenOptions {
  /** The schema's migration list; default the core list of `packages/db`. */
  readonly migrations?: MigrationList;
  readonly log?: DbLog;
  /**
   * Companion databases opened with this one and reachable from the same statements and
   * transactions (e.g. an archive): on SQLite a file beside the main one
   * (`server.sqlite` → `server.archive.sqlite`) attached under the name; on PostgreSQL the schema
   * `<schema>_<name>` in the same database. The schema's migrations create their tables.
   */
  readonly attach?: readonly string[];
  /**
   * Statements run on every new SQLite connection after attaching, for what SQLite keeps per
   * connection only (temporary views over attached files). PostgreSQL keeps such views in its
   * migrations.
   */
  readonly sqliteConnect?: readonly string[];
}

/** The file of a companion database of a SQLite file. */
export function companionFile(file: string, name: string): string {
  if (file === ':memory:') return ':memory:';
  return join(dirname(file), `${basename(file, extname(file))}.${name}.sqlite`);
}

/** The schema of a companion database on PostgreSQL. */
export function companionSchema(schema: string | undefined, name: string): string {
  return `${schema ?? 'public'}_${name}`;
}

const consoleLog: DbLog = {
  error: (m, e) => {
    console.error(m, e);
  },
};

export function openDatabase<DB>(config: DbConfig, opts: OpenOptions = {}): Database<DB> {
  const log = opts.log ?? consoleLog;
  const migrations = opts.migrations ?? coreMigrations;
  const inTx = config.checkNesting ? new AsyncLocalStorage<true>() : undefined;
  let db: Kysely<DB>;
  let retryWindowMs: number;
  let walSync: WalSync | undefined;
  /** SQLite's one connection, once Kysely has opened it. */
  let sqlite: BetterSqlite3.Database | undefined;
  /** Companion databases whose logs are watched (`checkCompanionSync`). */
  let companionLogs: { name: string; file: string }[] = [];

  if (config.kind === 'sqlite') {
    const file = config.file;
    const busyTimeout = config.busyTimeoutMs ?? 50;
    retryWindowMs = config.busyRetryMs ?? 30_000;
    if (file !== ':memory:') walSync = new WalSync(file);
    if (config.checkCompanionSync && file !== ':memory:')
      companionLogs = (opts.attach ?? []).map((name) => ({ name, file: companionFile(file, name) }));
    db = new Kysely<DB>({
      dialect: new SqliteDialect({
        database: () => {
          if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
          const conn = new BetterSqlite3(file);
          conn.pragma('journal_mode = WAL');
          // FULL: a committed transaction survives power loss; acknowledgements rely on it.
          conn.pragma('synchronous = FULL');
          conn.pragma(`busy_timeout = ${busyTimeout}`);
          conn.pragma('foreign_keys = ON');
          for (const name of opts.attach ?? []) {
            conn.prepare('attach database ? as ' + quoteIdent(name)).run(companionFile(file, name));
            conn.pragma(`${quoteIdent(name)}.journal_mode = WAL`);
          }
          for (const statement of opts.sqliteConnect ?? []) conn.exec(statement);
          sqlite = withStatementCache(conn);
          return Promise.resolve(sqlite);
        },
      }),
    });
  } else {
    retryWindowMs = 10_000;
    const pg = loadPg();
    const pool = new pg.Pool({
      connectionString: config.url,
      max: config.poolSize ?? 10,
      types: pgTypes(pg),
      ...(config.schema !== undefined && { options: `-c search_path=${quoteIdent(config.schema)}` }),
    });
    pool.on('error', (e) => {
      log.error('idle PostgreSQL connection failed', e);
    });
    // A connection lost while checked out (PostgreSQL restarting between two statements of a
    // transaction) emits 'error' on its client, which the pool listens for only while the client is
    // idle: unheard, it would end the process. The statement in flight fails on its own, and the
    // pool drops the client when it is released.
    pool.on('connect', (client) => {
      client.on('error', () => undefined);
    });
    db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  }

  const dialect = config.kind;
  const companion = (name: string): string => {
    if (!(opts.attach ?? []).includes(name)) throw new Error(`no companion database "${name}" was attached`);
    return config.kind === 'sqlite' ? name : companionSchema(config.schema, name);
  };

  async function runOnce<T>(
    fn: (tx: Tx<DB>) => Promise<T>,
    opts: TransactionOptions | undefined,
    hooks: (() => void | Promise<void>)[],
  ) {
    // the commit itself does not wait for the disk
    const relaxed =
      !opts?.readOnly && (opts?.sync === 'none' || (opts?.sync === 'background' && dialect === 'sqlite'));
    return db.connection().execute(async (conn) => {
      const tx: Tx<DB> = { db: conn, onCommit: (h) => hooks.push(h) };
      const body = () => (inTx ? inTx.run(true, () => fn(tx)) : fn(tx));
      return dialect === 'sqlite'
        ? runOnSqlite(sqlite!, conn, body, opts, relaxed)
        : runOnPostgres(conn, body, opts, relaxed);
    });
  }

  /**
   * BEGIN … COMMIT on SQLite's connection, which the caller holds: the fixed statements run on it
   * directly (prepared once), as do the hot path's statements while the transaction runs.
   * ROLLBACK and rethrow on any failure.
   */
  async function runOnSqlite<T>(
    conn: BetterSqlite3.Database,
    bound: Kysely<DB>,
    body: () => Promise<T>,
    opts: TransactionOptions | undefined,
    relaxed: boolean,
  ) {
    const exec = (statement: string) => conn.prepare(statement).run();
    const watched = relaxed ? companionLogs : [];
    const before = watched.map((c) => walIndexHeader(c.file));
    // The level belongs to the connection, so it is set around this transaction only.
    if (relaxed) exec('pragma synchronous = normal');
    try {
      exec(opts?.readOnly ? 'begin deferred' : 'begin immediate');
      sqliteTransactions.set(bound, conn);
      try {
        const result = await body();
        exec('commit');
        watched.forEach((c, i) => {
          if (walIndexHeader(c.file) !== before[i])
            throw new Error(
              `a transaction with sync '${opts?.sync}' wrote the companion database "${c.name}", which only sync 'commit' makes durable`,
            );
        });
        return result;
      } catch (e) {
        // The engine may already have rolled back (e.g. after a failed COMMIT); the first error matters.
        if (conn.inTransaction) exec('rollback');
        throw e;
      } finally {
        sqliteTransactions.delete(bound);
      }
    } finally {
      if (relaxed) exec('pragma synchronous = full');
    }
  }

  /** BEGIN … COMMIT on `conn`; ROLLBACK and rethrow on any failure. */
  async function runOnPostgres<T>(
    conn: Kysely<DB>,
    body: () => Promise<T>,
    opts: TransactionOptions | undefined,
    relaxed: boolean,
  ) {
    await run(conn, opts?.readOnly ? 'begin read only' : 'begin');
    try {
      if (relaxed) await run(conn, 'set local synchronous_commit = off');
      const result = await body();
      await run(conn, 'commit');
      return result;
    } catch (e) {
      try {
        await run(conn, 'rollback');
      } catch {
        // The engine already rolled back (e.g. after a failed COMMIT); the first error matters.
      }
      throw e;
    }
  }

  /** The last write that failed because the database was away, until a write succeeds. */
  let writeFailure: { error: string; since: string } | undefined;

  async function transaction<T>(fn: (tx: Tx<DB>) => Promise<T>, opts?: TransactionOptions): Promise<T> {
    if (inTx?.getStore()) throw new NestedTransactionError();
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const hooks: (() => void | Promise<void>)[] = [];
      try {
        let result: T;
        try {
          result = await runOnce(fn, opts, hooks);
        } catch (e) {
          const away = opts?.readOnly ? undefined : databaseUnavailable(e);
          if (away) writeFailure ??= { error: away, since: new Date().toISOString() };
          throw e;
        }
        if (!opts?.readOnly) writeFailure = undefined;
        if (walSync && opts?.sync === 'background' && !opts.readOnly) {
          // not retried as a transaction: the commit stands, only its durability is unknown
          await walSync.sync().catch((e: unknown) => {
            throw new CommitNotSyncedError(e);
          });
        }
        for (const h of hooks) {
          try {
            await h();
          } catch (e) {
            log.error('after-commit hook failed (the transaction is committed)', e);
          }
        }
        return result;
      } catch (e) {
        const retryable = dialect === 'sqlite' ? isBusy(e) : isPgRetryable(e);
        if (!retryable || Date.now() - started > retryWindowMs) throw e;
        await sleep(Math.min(5 + 2 ** Math.min(attempt, 8) * Math.random() * 4, 500));
      }
    }
  }

  async function migrate(): Promise<MigrationReport> {
    if (config.kind === 'postgres' && config.schema !== undefined) {
      await sql.raw(`create schema if not exists ${quoteIdent(config.schema)}`).execute(db);
    }
    // Kysely looks for its own tables in every schema unless told which one it owns; with two
    // OpenKassa schemas in one database it would otherwise find the other's and fail.
    const migrationSchema =
      config.kind === 'postgres'
        ? (config.schema ?? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s)
        : undefined;
    const migrator = new Migrator({
      db,
      ...(migrationSchema !== undefined && { migrationTableSchema: migrationSchema }),
      provider: {
        getMigrations: () =>
          Promise.resolve(
            Object.fromEntries(
              Object.entries(migrations).map(([name, m]) => [
                name,
                {
                  up: (d: Kysely<unknown>) => m.up(d, { dialect, companion }),
                  ...(m.down && { down: (d: Kysely<unknown>) => m.down!(d) }),
                },
              ]),
            ),
          ),
      },
    });
    const r: MigrationResultSet = await migrator.migrateToLatest();
    if (r.error) throw r.error instanceof Error ? r.error : new Error('migration failed', { cause: r.error });
    return {
      applied: (r.results ?? []).filter((x) => x.status === 'Success').map((x) => x.migrationName),
      all: Object.keys(migrations),
    };
  }

  async function health(timeoutMs = 2000): Promise<DatabaseHealth> {
    const check = async (): Promise<DatabaseHealth> => {
      try {
        if (writeFailure) {
          const failed = writeFailure;
          await transaction(async (tx) => {
            const row = {
              key: 'health-probe',
              value: new Date().toISOString(),
              updated_at: new Date().toISOString(),
            };
            await sql`insert into app_meta (key, value, updated_at) values (${row.key}, ${row.value}, ${row.updated_at})
              on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at`.execute(
              tx.db,
            );
          }).catch((e: unknown) => {
            throw new Error(databaseUnavailable(e) ?? failed.error);
          });
        } else await sql`select 1`.execute(db);
        return { ok: true };
      } catch (e) {
        return {
          ok: false,
          error: databaseUnavailable(e) ?? (e instanceof Error ? e.message : String(e)),
          since: writeFailure?.since ?? new Date().toISOString(),
        };
      }
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<DatabaseHealth>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            ok: false,
            error: `no answer within ${timeoutMs} ms`,
            since: writeFailure?.since ?? new Date().toISOString(),
          }),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([check(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    dialect,
    db,
    transaction,
    migrate,
    companion,
    health,
    close: async () => {
      await walSync?.close();
      await db.destroy();
    },
  };
}
