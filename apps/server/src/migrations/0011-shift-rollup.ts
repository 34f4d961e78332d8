import { sql, type Kysely } from 'kysely';

// Migration 0011-shift-rollup: frozen once released; a change to the schema is a new numbered file.

/** The money columns of the shift sums (a copy: this migration's, whatever the live code's becomes). */
const SHIFT_SUMS = [
  'sale_count',
  'sale_total',
  'sale_cash',
  'sale_card',
  'return_count',
  'return_total',
  'return_cash',
  'return_card',
  'cash_in',
  'cash_out',
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row of sums per till shift, for X/Z per shift over any period without the detail.
  let t = db.schema
    .createTable('sales_rollup_shifts')
    .addColumn('store', 'text', (c) => c.notNull())
    .addColumn('till', 'text', (c) => c.notNull())
    .addColumn('shift', 'integer', (c) => c.notNull());
  for (const c of SHIFT_SUMS) t = t.addColumn(c, 'bigint', (col) => col.notNull());
  // first and last day with a document; opening and closing time, the ККТ's totals ('' until known)
  for (const c of ['first_day', 'last_day', 'opened_at', 'closed_at', 'kkt_json'])
    t = t.addColumn(c, 'text', (col) => col.notNull());
  await t.addPrimaryKeyConstraint('sales_rollup_shifts_pk', ['store', 'till', 'shift']).execute();
  await db.schema
    .createIndex('sales_rollup_shifts_days')
    .on('sales_rollup_shifts')
    .columns(['last_day', 'first_day'])
    .execute();
  const when = (kind: string, value: string) => `sum(case when kind = '${kind}' then ${value} else 0 end)`;
  const sums = SHIFT_SUMS.map((c) => {
    const [kind, what] = c.split('_') as [string, string];
    const k = { sale: 'sale', return: 'return', cash: what === 'in' ? 'cashIn' : 'cashOut' }[kind]!;
    return kind === 'cash' ? when(k, 'total') : when(k, what === 'count' ? '1' : what);
  });
  await sql
    .raw(
      `insert into sales_rollup_shifts (store, till, shift, ${SHIFT_SUMS.join(', ')}, first_day, last_day, opened_at, closed_at, kkt_json)
      select store, till, shift, ${sums.join(', ')}, min(day), max(day),
        max(case when kind = 'shiftOpen' then at else '' end), max(case when kind = 'shiftClose' then at else '' end), ''
      from all_sales_documents group by store, till, shift`,
    )
    .execute(db);
  const closes = await sql<{ store: string; till: string; shift: number; payload_json: string }>`
    select store, till, shift, payload_json from all_sales_documents where kind = 'shiftClose'`.execute(db);
  for (const c of closes.rows) {
    const totals = (JSON.parse(c.payload_json) as { kktTotals?: unknown }).kktTotals;
    if (totals !== undefined)
      await sql`update sales_rollup_shifts set kkt_json = ${JSON.stringify(totals)}
        where store = ${c.store} and till = ${c.till} and shift = ${c.shift}`.execute(db);
  }
}
