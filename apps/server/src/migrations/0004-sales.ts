import { sql, type Kysely, type SchemaModule } from 'kysely';

// Migration 0004-sales: frozen once released; a change to the schema is a new numbered file.

/** Till documents as the server stores them; the same table in the archive. */
export const salesDocumentsTable = (schema: SchemaModule) =>
  schema
    .createTable('sales_documents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('store', 'text', (c) => c.notNull())
    .addColumn('till', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('shift', 'integer', (c) => c.notNull())
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('cashier', 'text', (c) => c.notNull())
    .addColumn('total', 'bigint', (c) => c.notNull())
    .addColumn('cash', 'bigint', (c) => c.notNull())
    .addColumn('card', 'bigint', (c) => c.notNull())
    .addColumn('original_id', 'text')
    .addColumn('fn', 'text')
    .addColumn('fd', 'integer')
    .addColumn('payload_hash', 'text', (c) => c.notNull())
    .addColumn('payload_json', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull());

/** Their lines; the same table in the archive. */
export const salesLinesTable = (schema: SchemaModule) =>
  schema
    .createTable('sales_lines')
    .addColumn('doc_id', 'text', (c) => c.notNull())
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('product_id', 'text')
    .addColumn('barcode', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('quantity', 'text', (c) => c.notNull())
    .addColumn('price', 'bigint', (c) => c.notNull())
    .addColumn('sum', 'bigint', (c) => c.notNull())
    .addColumn('vat', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('sales_lines_pk', ['doc_id', 'line_no']);

export async function up(db: Kysely<unknown>): Promise<void> {
  await salesDocumentsTable(db.schema).execute();
  await db.schema
    .createIndex('sales_documents_shift')
    .on('sales_documents')
    .columns(['store', 'till', 'shift'])
    .execute();
  await db.schema
    .createIndex('sales_documents_day')
    .on('sales_documents')
    .columns(['day', 'store'])
    .execute();
  await salesLinesTable(db.schema).execute();
  // Documents a store server still has to hand to its head office, written with the document.
  await db.schema
    .createTable('sales_outbox')
    .addColumn('doc_id', 'text', (c) => c.primaryKey())
    .addColumn('queued_at', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .execute();
  await db.schema
    .createIndex('sales_outbox_pending')
    .on('sales_outbox')
    .columns(['queued_at', 'doc_id'])
    .where(sql<boolean>`state = 'pending'`)
    .execute();
}
