import type BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';
import { transactionConnection } from './database.js';

const SLOT = Symbol('prepared statement slot');

interface Slot {
  readonly [SLOT]: string;
}

const isSlot = (v: unknown): v is Slot => typeof v === 'object' && v !== null && SLOT in v;

/** Where each parameter of the compiled SQL comes from: a named value, or a constant of the query. */
type Source = { readonly name: string } | { readonly constant: unknown };

/**
 * A statement for a hot path, built with Kysely once per SQL dialect and then run many times
 * with new values, skipping the query builder and compiler on every run (on SQLite the driver
 * also reuses the prepared statement, by its text). `build` receives stand-ins for the values:
 * use them where the query takes a value (`values`, `set`, `where` right-hand sides), not as
 * identifiers or in conditions on their own value (`is null`). Inside a SQLite transaction the
 * statement runs on the transaction's connection directly, without Kysely's asynchronous layers.
 *
 *   const touch = prepare((db: Kysely<S>, v: { fn: string; now: string }) =>
 *     db.updateTable('t').set({ seen_at: v.now }).where('fn', '=', v.fn));
 *   await touch(tx.db, { fn, now });
 */
export function prepare<DB, V extends object, O>(
  build: (db: Kysely<DB>, values: V) => Compilable<O>,
): (db: Kysely<DB>, values: V) => Promise<QueryResult<O>> {
  // per dialect (its adapter class): SQL text and where each parameter comes from
  const compiled = new Map<unknown, { sql: string; sources: Source[] }>();
  const stand = new Proxy({} as V, {
    get: (_, name) => (typeof name === 'string' ? { [SLOT]: name } : undefined),
  });
  return async (db, values) => {
    const dialect = db.getExecutor().adapter.constructor;
    let c = compiled.get(dialect);
    if (!c) {
      const q = build(db, stand).compile();
      c = {
        sql: q.sql,
        sources: q.parameters.map((p) => (isSlot(p) ? { name: p[SLOT] } : { constant: p })),
      };
      compiled.set(dialect, c);
    }
    const parameters = c.sources.map((s) => {
      if ('constant' in s) return s.constant;
      const v = (values as Record<string, unknown>)[s.name];
      if (v === undefined) throw new Error(`prepared statement: no value for "${s.name}"`);
      return v;
    });
    const sqlite = transactionConnection(db as Kysely<unknown>);
    if (sqlite) return Promise.resolve(runOn<O>(sqlite, c.sql, parameters));
    return db.executeQuery<O>(CompiledQuery.raw(c.sql, parameters));
  };
}

/**
 * Runs a statement on the SQLite connection of the transaction running now, with the result
 * Kysely's SQLite driver gives for it.
 */
function runOn<O>(conn: BetterSqlite3.Database, sqlText: string, parameters: unknown[]): QueryResult<O> {
  const st = conn.prepare(sqlText);
  if (st.reader) return { rows: st.all(parameters) as O[] };
  const { changes, lastInsertRowid } = st.run(parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}
