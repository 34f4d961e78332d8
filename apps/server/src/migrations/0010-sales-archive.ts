import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '@openkassa/db';
import { salesDocumentsTable, salesLinesTable } from './0004-sales.js';

// Migration 0010-sales-archive: frozen once released; a change to the schema is a new numbered file.

/** Document and line reads that span the live tables and the archive (`all_sales_*`). */
export function archiveViews(live: string, archive: string): string[] {
  return [
    `view all_sales_documents as select * from ${live}sales_documents
      union all select a.* from ${archive}.sales_documents a
        where not exists (select 1 from ${live}sales_documents m where m.id = a.id)`,
    `view all_sales_lines as select * from ${live}sales_lines
      union all select a.* from ${archive}.sales_lines a
        where not exists (select 1 from ${live}sales_documents m where m.id = a.doc_id)`,
  ];
}

export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  // Detail older than the configured age moves here (a second SQLite file, or a second
  // PostgreSQL schema); the report sums stay, and the all_sales_* views span both.
  const archive = ctx.companion('archive');
  if (ctx.dialect === 'postgres') await sql`create schema if not exists ${sql.id(archive)}`.execute(db);
  await salesDocumentsTable(db.schema.withSchema(archive)).execute();
  await salesLinesTable(db.schema.withSchema(archive)).execute();
  const index = (name: string, table: string, columns: string) =>
    ctx.dialect === 'sqlite'
      ? sql.raw(`create index ${archive}.${name} on ${table} (${columns})`)
      : sql.raw(`create index ${name} on "${archive}".${table} (${columns})`);
  await index('sales_documents_shift', 'sales_documents', 'store, till, shift').execute(db);
  await index('sales_documents_day', 'sales_documents', 'day, store').execute(db);
  // Reconciliation and receipt search find till documents by their fiscal document.
  await index('sales_documents_fiscal', 'sales_documents', 'fn, fd').execute(db);
  await sql`create index sales_documents_fiscal on sales_documents (fn, fd)`.execute(db);
  if (ctx.dialect === 'postgres')
    for (const v of archiveViews('', `"${archive}"`)) await sql.raw(`create ${v}`).execute(db);
}
