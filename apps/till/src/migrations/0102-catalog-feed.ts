import { type Kysely } from 'kysely';

// Migration 0102-catalog-feed: frozen once released; a change to the schema is a new numbered file.

export async function up(db: Kysely<unknown>): Promise<void> {
  // Prices for this till's store from the head office's feed, chosen at scan time.
  await db.schema
    .createTable('prices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('price', 'bigint', (c) => c.notNull())
    .addColumn('valid_from', 'text')
    .addColumn('valid_to', 'text')
    .execute();
  await db.schema.createIndex('prices_product').on('prices').column('product_id').execute();
  await db.schema.alterTable('documents').addColumn('catalog_version', 'integer').execute();
}
