import { sql, type Kysely } from 'kysely';

// Migration 0015-sales-review: frozen once released; a change to the schema is a new numbered file.

// Documents the ККТ fiscalised that break a rule of the sales schema: kept as they came, with
// the reason, for a person to look at — a fiscalised document is never refused.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sales_review')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('store', 'text', (c) => c.notNull())
    .addColumn('till', 'text')
    .addColumn('kind', 'text')
    .addColumn('fn', 'text', (c) => c.notNull())
    .addColumn('fd', 'bigint', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('payload_json', 'text', (c) => c.notNull())
    .addColumn('payload_hash', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    // on a store server: 'pending' until the head office has it too
    .addColumn('upstream_state', 'text')
    .execute();
  await db.schema
    .createIndex('sales_review_upstream')
    .on('sales_review')
    .column('upstream_state')
    .where(sql<boolean>`upstream_state = 'pending'`)
    .execute();
}
