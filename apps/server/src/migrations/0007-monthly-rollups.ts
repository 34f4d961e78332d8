import { sql, type Kysely } from 'kysely';

// Migration 0007-monthly-rollups: frozen once released; a change to the schema is a new numbered file.

export async function up(db: Kysely<unknown>): Promise<void> {
  // Month sums for reports over long periods: chain-wide per product, and per till and
  // cashier without the hour, so a year reads twelve rows per key instead of 365 × hours.
  await db.schema
    .createTable('sales_rollup_docs_m')
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('store', 'text', (c) => c.notNull())
    .addColumn('till', 'text', (c) => c.notNull())
    .addColumn('cashier', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addColumn('total', 'bigint', (c) => c.notNull())
    .addColumn('cash', 'bigint', (c) => c.notNull())
    .addColumn('card', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('sales_rollup_docs_m_pk', ['month', 'store', 'till', 'cashier', 'kind'])
    .execute();
  await db.schema
    .createTable('sales_rollup_products_m')
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('qty_milli', 'bigint', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('sales_rollup_products_m_pk', ['month', 'product_id', 'kind'])
    .execute();
  await sql`insert into sales_rollup_docs_m (month, store, till, cashier, kind, count, total, cash, card)
    select substr(day, 1, 7), store, till, cashier, kind, sum(count), sum(total), sum(cash), sum(card)
    from sales_rollup_docs group by substr(day, 1, 7), store, till, cashier, kind`.execute(db);
  await sql`insert into sales_rollup_products_m (month, product_id, kind, name, qty_milli, amount)
    select substr(day, 1, 7), product_id, kind, max(name), sum(qty_milli), sum(amount)
    from sales_rollup_lines group by substr(day, 1, 7), product_id, kind`.execute(db);
}
