import { sql, type Kysely } from 'kysely';

// Migration 0009-chain-hour-rollup: frozen once released; a change to the schema is a new numbered file.

export async function up(db: Kysely<unknown>): Promise<void> {
  // Chain-wide sums per day and hour: day and hour reports over all stores read these.
  await db.schema
    .createTable('sales_rollup_hours')
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('hour', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addColumn('total', 'bigint', (c) => c.notNull())
    .addColumn('cash', 'bigint', (c) => c.notNull())
    .addColumn('card', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('sales_rollup_hours_pk', ['day', 'hour', 'kind'])
    .execute();
  await sql`insert into sales_rollup_hours (day, hour, kind, count, total, cash, card)
    select day, hour, kind, sum(count), sum(total), sum(cash), sum(card)
    from sales_rollup_docs group by day, hour, kind`.execute(db);
}
