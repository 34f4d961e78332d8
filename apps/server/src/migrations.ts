import { sql, type Kysely } from 'kysely';
import { migrations as core, type MigrationContext, type MigrationList } from '@openkassa/db';

/** Byte columns: bytea on PostgreSQL, blob on SQLite. */
const bytes = (ctx: MigrationContext) => (ctx.dialect === 'postgres' ? sql`bytea` : sql`blob`);

/** The cash server's schema: the core list plus the server's own, in order. */
export const serverMigrations: MigrationList = {
  ...core,
  '0002-fiscal-relay': {
    async up(db: Kysely<unknown>, ctx: MigrationContext) {
      await db.schema
        .createTable('fiscal_messages')
        .addColumn('fn', 'text', (c) => c.notNull())
        .addColumn('fd', 'integer', (c) => c.notNull())
        .addColumn('form', 'integer', (c) => c.notNull())
        .addColumn('message', bytes(ctx), (c) => c.notNull())
        .addColumn('first_received_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('times_received', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .addColumn('claimed_by', 'text')
        .addColumn('claimed_until', 'text')
        .addColumn('forwarded_at', 'text')
        .addColumn('answer', bytes(ctx))
        .addColumn('answer_code', 'integer')
        .addColumn('answered_at', 'text')
        .addColumn('last_error', 'text')
        .addPrimaryKeyConstraint('fiscal_messages_pk', ['fn', 'fd'])
        .execute();
      // Only pending rows: the forwarder's "what is due" query stays small as answered rows pile up.
      await db.schema
        .createIndex('fiscal_messages_pending')
        .on('fiscal_messages')
        .column('next_attempt_at')
        .where(sql<boolean>`state <> 'answered'`)
        .execute();
      await db.schema
        .createIndex('fiscal_messages_fn_state')
        .on('fiscal_messages')
        .columns(['fn', 'state'])
        .execute();
    },
  },
  '0003-fiscal-documents': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('fiscal_documents')
        .addColumn('fn', 'text', (c) => c.notNull())
        .addColumn('fd', 'integer', (c) => c.notNull())
        .addColumn('form', 'integer', (c) => c.notNull())
        .addColumn('ffd', 'text')
        .addColumn('fiscal_time', 'bigint')
        .addColumn('shift_number', 'integer')
        .addColumn('receipt_number', 'integer')
        .addColumn('operation_type', 'integer')
        .addColumn('total', 'bigint')
        .addColumn('cash', 'bigint')
        .addColumn('ecash', 'bigint')
        .addColumn('prepaid', 'bigint')
        .addColumn('credit', 'bigint')
        .addColumn('provision', 'bigint')
        .addColumn('kkt_reg_id', 'text')
        .addColumn('user_inn', 'text')
        .addColumn('cashier', 'text')
        .addColumn('flk_ok', 'integer', (c) => c.notNull())
        .addColumn('flk_json', 'text', (c) => c.notNull())
        .addColumn('fns_json', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('fiscal_documents_pk', ['fn', 'fd'])
        .execute();
      await db.schema
        .createIndex('fiscal_documents_time')
        .on('fiscal_documents')
        .columns(['fn', 'fiscal_time'])
        .execute();
      await db.schema
        .createTable('fiscal_items')
        .addColumn('fn', 'text', (c) => c.notNull())
        .addColumn('fd', 'integer', (c) => c.notNull())
        .addColumn('line_no', 'integer', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('price', 'bigint')
        .addColumn('quantity', 'text')
        .addColumn('sum', 'bigint')
        .addColumn('vat_rate', 'integer')
        .addColumn('vat_sum', 'bigint')
        .addColumn('payment_method', 'integer')
        .addColumn('product_type', 'integer')
        .addColumn('measure', 'integer')
        .addPrimaryKeyConstraint('fiscal_items_pk', ['fn', 'fd', 'line_no'])
        .execute();
    },
  },
};
