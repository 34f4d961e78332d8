import { type Kysely } from 'kysely';

// Migration 0003-fiscal-documents: frozen once released; a change to the schema is a new numbered file.

export async function up(db: Kysely<unknown>): Promise<void> {
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
}
