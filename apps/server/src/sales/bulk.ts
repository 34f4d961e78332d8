import { CompiledQuery } from 'kysely';
import type { DialectName, Tx } from '@openkassa/db';
import type { ServerSchema } from '../schema.js';

/** An identifier in double quotes, as both engines read it. */
export const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Statement texts by table, columns, row count and tail: built once, then reused (and cached prepared). */
const texts = new Map<string, string>();

/**
 * A multi-row INSERT written as SQL text with parameters, for the ingest's hot statements: the
 * same statement as the query builder would make, without building and compiling it anew for
 * every batch of hundreds of rows. `tail` follows the VALUES list (ON CONFLICT…, RETURNING…).
 * Rows go in chunks that stay under both engines' parameter limits.
 */
export async function insertMany<R = unknown>(
  tx: Tx<ServerSchema>,
  dialect: DialectName,
  table: string,
  columns: readonly string[],
  rows: readonly Readonly<Record<string, unknown>>[],
  tail = '',
): Promise<R[]> {
  const out: R[] = [];
  const per = Math.max(1, Math.floor(30_000 / columns.length));
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    const key = `${dialect}\u0000${table}\u0000${columns.join(',')}\u0000${chunk.length}\u0000${tail}`;
    let text = texts.get(key);
    if (text === undefined) {
      let n = 0;
      const tuple = () => `(${columns.map(() => (dialect === 'postgres' ? `$${++n}` : '?')).join(',')})`;
      text = `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values ${Array.from(chunk, tuple).join(', ')} ${tail}`;
      if (texts.size > 2000) texts.clear();
      texts.set(key, text);
    }
    const params: unknown[] = [];
    for (const r of chunk) for (const c of columns) params.push(r[c] ?? null);
    const res = await tx.db.executeQuery<R>(CompiledQuery.raw(text, params));
    out.push(...res.rows);
  }
  return out;
}
