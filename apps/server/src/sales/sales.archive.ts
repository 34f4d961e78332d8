import { sql } from 'kysely';
import type { Database, DialectName, Tx } from '@openkassa/db';
import type { ServerSchema } from '../schema.js';

/**
 * The sales archive: till documents and their lines older than a configured age move from the
 * live tables to the archive database (a second SQLite file attached beside the main one, or a
 * second PostgreSQL schema). Report sums are not moved, so reports are unchanged; detail reads go
 * through the `all_sales_documents` / `all_sales_lines` views, which span both.
 *
 * A move is two commits: copy (idempotent), then delete what the archive holds. A crash between
 * them leaves rows in both places, which the views show once and the next run finishes.
 */
export interface SalesArchive {
  /** The qualifier of the archive's tables. */
  readonly ns: string;
  readonly dialect: DialectName;
}

export const salesArchive = (db: Database<ServerSchema>): SalesArchive => ({
  ns: db.companion('archive'),
  dialect: db.dialect,
});

/**
 * Ingest and the archive's delete step exclude each other on PostgreSQL (ingest shares, the
 * delete is exclusive), so a re-sent old document is seen either still live or already archived,
 * never in neither place. On SQLite every write transaction already excludes the others.
 */
const ARCHIVE_LOCK = 0x0a7c41;

const table = (a: SalesArchive, name: 'sales_documents' | 'sales_lines') => sql.table(`${a.ns}.${name}`);

/** Payload hashes of those of `ids` that are archived, inside an ingest transaction. */
export async function archivedHashes(
  tx: Tx<ServerSchema>,
  a: SalesArchive,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (ids.length === 0) return found;
  if (a.dialect === 'postgres')
    await sql`select pg_advisory_xact_lock_shared(${ARCHIVE_LOCK})`.execute(tx.db);
  for (let i = 0; i < ids.length; i += 500) {
    const r = await sql<{ id: string; payload_hash: string }>`select id, payload_hash
      from ${table(a, 'sales_documents')}
      where id in (${sql.join(ids.slice(i, i + 500))})`.execute(tx.db);
    for (const row of r.rows) found.set(row.id, row.payload_hash);
  }
  return found;
}

export interface ArchiveRun {
  readonly documents: number;
  readonly lines: number;
}

/**
 * Moves the documents of days before `beforeDay` (YYYY-MM-DD) to the archive, in batches, except
 * those a store server has still to forward to its head office or that it refused (they wait for
 * someone to look at them); the delivery marks of those moved go with them.
 */
export async function archiveSales(
  db: Database<ServerSchema>,
  beforeDay: string,
  batch = 500,
): Promise<ArchiveRun> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(beforeDay))
    throw new RangeError(`"${beforeDay}" is not a day (YYYY-MM-DD)`);
  const a = salesArchive(db);
  let documents = 0;
  let lines = 0;
  for (;;) {
    const ids = (
      await db.db
        .selectFrom('sales_documents as d')
        .select('d.id')
        .where('d.day', '<', beforeDay)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('sales_outbox as o')
                .select('o.doc_id')
                .whereRef('o.doc_id', '=', 'd.id')
                .where('o.state', '<>', 'sent'),
            ),
          ),
        )
        .orderBy('d.day')
        .limit(batch)
        .execute()
    ).map((r) => r.id);
    if (ids.length === 0) return { documents, lines };
    const list = sql.join(ids);
    const conflict = (key: string) => sql.raw(`on conflict (${key}) do nothing`);
    await db.transaction(async (tx) => {
      await sql`insert into ${table(a, 'sales_documents')}
        select * from sales_documents where id in (${list}) ${conflict('id')}`.execute(tx.db);
      await sql`insert into ${table(a, 'sales_lines')}
        select * from sales_lines where doc_id in (${list}) ${conflict('doc_id, line_no')}`.execute(tx.db);
    });
    await db.transaction(async (tx) => {
      if (a.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${ARCHIVE_LOCK})`.execute(tx.db);
      const archived = sql`select id from ${table(a, 'sales_documents')} where id in (${list})`;
      const l = await sql`delete from sales_lines where doc_id in (${archived})`.execute(tx.db);
      await sql`delete from sales_outbox where doc_id in (${archived})`.execute(tx.db);
      const d = await sql`delete from sales_documents where id in (${archived})`.execute(tx.db);
      lines += Number(l.numAffectedRows ?? 0);
      documents += Number(d.numAffectedRows ?? 0);
    });
  }
}

/** The day before which detail is archived when it is kept `days` days. */
export function archiveCutoff(now: Date, days: number): string {
  return new Date(now.getTime() - days * 86_400_000).toISOString().slice(0, 10);
}
