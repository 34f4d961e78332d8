import { type Kysely } from 'kysely';

// Migration 0006-sales-rollups: frozen once released; a change to the schema is a new numbered file.

export async function up(db: Kysely<unknown>): Promise<void> {
  // A product's category, so reports can roll sales up the category tree in SQL.
  await db.schema.alterTable('catalog_items').addColumn('category', 'text').execute();
  // Sums kept current on ingest, so reports over a year read these instead of every line.
  await db.schema
    .createTable('sales_rollup_docs')
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('hour', 'integer', (c) => c.notNull())
    .addColumn('store', 'text', (c) => c.notNull())
    .addColumn('till', 'text', (c) => c.notNull())
    .addColumn('cashier', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addColumn('total', 'bigint', (c) => c.notNull())
    .addColumn('cash', 'bigint', (c) => c.notNull())
    .addColumn('card', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('sales_rollup_docs_pk', ['day', 'hour', 'store', 'till', 'cashier', 'kind'])
    .execute();
  await db.schema
    .createTable('sales_rollup_lines')
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('store', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    /** Quantity in thousandths (grams for weighed goods), exact. */
    .addColumn('qty_milli', 'bigint', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('sales_rollup_lines_pk', ['day', 'store', 'product_id', 'kind'])
    .execute();
}
