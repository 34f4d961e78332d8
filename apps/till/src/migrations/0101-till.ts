import { sql, type Kysely } from 'kysely';

// Migration 0101-till: frozen once released; a change to the schema is a new numbered file.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value_json', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('products')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('search_name', 'text', (c) => c.notNull())
    .addColumn('price', 'bigint', (c) => c.notNull())
    .addColumn('vat', 'integer', (c) => c.notNull())
    .addColumn('weighted', 'integer', (c) => c.notNull())
    .addColumn('plu', 'text')
    .addColumn('article', 'text')
    .execute();
  await db.schema.createIndex('products_search').on('products').column('search_name').execute();
  await db.schema.createIndex('products_plu').on('products').column('plu').execute();
  await db.schema
    .createTable('barcodes')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('barcodes_product').on('barcodes').column('product_id').execute();
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('pin_hash', 'text', (c) => c.notNull())
    .addColumn('pin_salt', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('documents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('number', 'integer', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('shift', 'integer', (c) => c.notNull())
    .addColumn('cashier', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('total', 'bigint', (c) => c.notNull())
    .addColumn('cash', 'bigint', (c) => c.notNull())
    .addColumn('card', 'bigint', (c) => c.notNull())
    .addColumn('tendered', 'bigint', (c) => c.notNull())
    .addColumn('change', 'bigint', (c) => c.notNull())
    .addColumn('lines_json', 'text', (c) => c.notNull())
    .addColumn('original_id', 'text')
    .addColumn('kkt_uuid', 'text', (c) => c.notNull().unique())
    .addColumn('kkt_tasks_json', 'text', (c) => c.notNull())
    .addColumn('fiscal_json', 'text')
    .addColumn('kkt_totals_json', 'text')
    .addColumn('error', 'text')
    .addColumn('doc_json', 'text')
    .execute();
  await db.schema.createIndex('documents_shift').on('documents').columns(['shift', 'kind']).execute();
  await db.schema
    .createIndex('documents_pending')
    .on('documents')
    .column('number')
    .where(sql<boolean>`state = 'pending'`)
    .execute();
  await db.schema
    .createTable('outbox')
    .addColumn('doc_id', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .execute();
  await db.schema
    .createIndex('outbox_pending')
    .on('outbox')
    .column('seq')
    .where(sql<boolean>`state = 'pending'`)
    .execute();
}
