import { sql, type Kysely } from 'kysely';
import { migrations as core, type MigrationList } from '@openkassa/db';

export const tillMigrations: MigrationList = {
  ...core,
  '0101-till': {
    async up(db: Kysely<unknown>) {
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
    },
  },
  '0102-catalog-feed': {
    async up(db: Kysely<unknown>) {
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
    },
  },
  '0103-approvals': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('documents').addColumn('approval_json', 'text').execute();
    },
  },
};
