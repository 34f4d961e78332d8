import type { Database } from '@openkassa/db';
import type { Table } from './table.js';
import type { ServerSchema } from '../schema.js';
import { shiftOf, type ShiftRow } from '../sales/index.js';
import { splitPeriod } from './reports.repo.js';

/**
 * X/Z per shift and returns and voids per cashier: what a store manager checks at the end of a
 * day. Both read sums kept current on ingest, so any period answers quickly and archiving the
 * detail changes nothing.
 */

/** Where a page of shifts ends: the next page starts after it. */
export interface ShiftKey {
  readonly store: string;
  readonly till: string;
  readonly shift: number;
}

/**
 * Shifts with a document in the period, in store, till and shift order, from the sums kept per
 * shift on ingest; `limit` shifts after `after` (a year of a chain is a hundred thousand shifts).
 */
export async function shiftsReport(
  db: Database<ServerSchema>,
  q: { from: string; to: string; store?: string; till?: string; after?: ShiftKey; limit?: number },
): Promise<ShiftRow[]> {
  let sel = db.db
    .selectFrom('sales_rollup_shifts')
    .selectAll()
    .where('last_day', '>=', q.from)
    .where('first_day', '<=', q.to)
    .orderBy('store')
    .orderBy('till')
    .orderBy('shift');
  if (q.store !== undefined) sel = sel.where('store', '=', q.store);
  if (q.till !== undefined) sel = sel.where('till', '=', q.till);
  const a = q.after;
  if (a)
    sel = sel.where((eb) =>
      eb.or([
        eb('store', '>', a.store),
        eb.and([eb('store', '=', a.store), eb('till', '>', a.till)]),
        eb.and([eb('store', '=', a.store), eb('till', '=', a.till), eb('shift', '>', a.shift)]),
      ]),
    );
  if (q.limit !== undefined) sel = sel.limit(q.limit);
  return (await sel.execute()).map(shiftOf);
}

export interface CashierRow {
  readonly store: string;
  readonly cashier: string;
  readonly sales: { count: number; total: number };
  readonly returns: { count: number; total: number };
  readonly voids: { count: number; total: number };
}

/** Sales, returns and voids per store and cashier over a period. */
export async function cashierReport(
  db: Database<ServerSchema>,
  q: { from: string; to: string; stores?: readonly string[] },
): Promise<CashierRow[]> {
  const period = splitPeriod(q.from, q.to);
  const stores = q.stores && (q.stores.length > 0 ? [...q.stores] : ['']);
  // The day sums and the month sums have the same columns but the period's: one query for both.
  const read = (table: 'sales_rollup_docs' | 'sales_rollup_docs_m', from: string, to: string) => {
    const at = table === 'sales_rollup_docs' ? 'day' : 'month';
    let s = db.db
      .selectFrom(table as 'sales_rollup_docs')
      .select((eb) => [
        'store',
        'cashier',
        'kind',
        eb.fn.sum<number | string>('count').as('count'),
        eb.fn.sum<number | string>('total').as('total'),
      ])
      .where(at as 'day', '>=', from)
      .where(at as 'day', '<=', to)
      .groupBy(['store', 'cashier', 'kind']);
    if (stores) s = s.where('store', 'in', stores);
    return s.execute();
  };
  const parts = [
    ...period.days.map(([from, to]) => read('sales_rollup_docs', from, to)),
    ...(period.months ? [read('sales_rollup_docs_m', period.months[0], period.months[1])] : []),
  ];
  const rows = (await Promise.all(parts)).flat();
  const out = new Map<
    string,
    { store: string; cashier: string } & Record<
      'sales' | 'returns' | 'voids',
      { count: number; total: number }
    >
  >();
  const field = { sale: 'sales', return: 'returns', void: 'voids' } as const;
  for (const r of rows) {
    const f = field[r.kind as keyof typeof field] as (typeof field)[keyof typeof field] | undefined;
    if (!f) continue;
    const k = `${r.store}\u0000${r.cashier}`;
    const a = out.get(k) ?? {
      store: r.store,
      cashier: r.cashier,
      sales: { count: 0, total: 0 },
      returns: { count: 0, total: 0 },
      voids: { count: 0, total: 0 },
    };
    a[f] = { count: a[f].count + Number(r.count), total: a[f].total + Number(r.total) };
    out.set(k, a);
  }
  return [...out.values()].sort(
    (a, b) => a.store.localeCompare(b.store) || a.cashier.localeCompare(b.cashier),
  );
}

/** The X/Z shift report as a table (CSV or workbook). */
export function shiftsTable(shifts: readonly ShiftRow[], name: string): Table {
  return {
    name,
    columns: [
      'store',
      'till',
      'shift',
      'opened',
      'closed',
      'sales',
      'sales_sum',
      'returns',
      'returns_sum',
      'cash_in',
      'cash_out',
      'kkt_sales_sum',
      'kkt_returns_sum',
      'agree',
    ],
    rows: shifts.map((s) => [
      s.store,
      s.till,
      s.shift,
      s.openedAt ?? '',
      s.closedAt ?? '',
      s.sale.count,
      { money: s.sale.total },
      s.return.count,
      { money: s.return.total },
      { money: s.cashIn },
      { money: s.cashOut },
      s.kkt ? { money: s.kkt.sell.sum } : null,
      s.kkt ? { money: s.kkt.sellReturn.sum } : null,
      s.agree === null ? '' : s.agree ? 'yes' : 'NO',
    ]),
  };
}

/** Sales, returns and voids per cashier as a table. */
export function cashiersTable(rows: readonly CashierRow[], name: string): Table {
  return {
    name,
    columns: ['store', 'cashier', 'sales', 'sales_sum', 'returns', 'returns_sum', 'voids', 'voids_sum'],
    rows: rows.map((r) => [
      r.store,
      r.cashier,
      r.sales.count,
      { money: r.sales.total },
      r.returns.count,
      { money: r.returns.total },
      r.voids.count,
      { money: r.voids.total },
    ]),
  };
}
