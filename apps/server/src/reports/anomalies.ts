import { sql } from 'kysely';
import type { Table } from './table.js';
import type { Database } from '@openkassa/db';
import type { ServerSchema } from '../schema.js';
import { cashierReport } from './shifts.js';

export interface AnomalyRow {
  readonly store: string;
  readonly cashier: string;
  readonly sales: number;
  readonly returns: { count: number; total: number };
  readonly voids: { count: number; total: number };
  /** Documents a supervisor's PIN allowed for this cashier (returns, voids, cash-outs…). */
  readonly approvals: number;
  /** Returns and voids per 100 sales. */
  readonly returnRate: number;
  readonly voidRate: number;
  /** What stands out against the other cashiers of the chain in the same period. */
  readonly outliers: readonly ('returns' | 'voids' | 'approvals')[];
}

/** At least this many events before a cashier is called out: one return in three sales is not a pattern. */
const MIN_EVENTS = 3;

/**
 * Returns, voids and approvals per cashier and store for loss prevention, with the cashiers who
 * stand out marked: a rate above the median of all cashiers by more than three median absolute
 * deviations (robust: one cashier far out does not hide another), with enough events to mean
 * something.
 */
export async function anomalyReport(
  db: Database<ServerSchema>,
  q: { from: string; to: string; stores?: readonly string[] },
): Promise<{ rows: AnomalyRow[]; thresholds: Record<'returns' | 'voids' | 'approvals', number> }> {
  const base = await cashierReport(db, q);
  let sel = db.db
    .selectFrom('all_sales_documents')
    .select(['store', 'cashier', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('day', '>=', q.from)
    .where('day', '<=', q.to)
    .where(sql<boolean>`payload_json like '%"approval":{%'`)
    .groupBy(['store', 'cashier']);
  if (q.stores) sel = sel.where('store', 'in', q.stores.length > 0 ? [...q.stores] : ['']);
  const approvals = new Map((await sel.execute()).map((r) => [`${r.store}\u0000${r.cashier}`, Number(r.n)]));
  const keys = new Set([...base.map((b) => `${b.store}\u0000${b.cashier}`), ...approvals.keys()]);
  const byKey = new Map(base.map((b) => [`${b.store}\u0000${b.cashier}`, b]));
  const rows = [...keys].sort().map((k) => {
    const [store, cashier] = k.split('\u0000') as [string, string];
    const b = byKey.get(k);
    const sales = b?.sales.count ?? 0;
    const per100 = (n: number) => (sales > 0 ? Math.round((n / sales) * 10_000) / 100 : n > 0 ? 100 : 0);
    return {
      store,
      cashier,
      sales,
      returns: b?.returns ?? { count: 0, total: 0 },
      voids: b?.voids ?? { count: 0, total: 0 },
      approvals: approvals.get(k) ?? 0,
      returnRate: per100(b?.returns.count ?? 0),
      voidRate: per100(b?.voids.count ?? 0),
    };
  });
  const approvalRate = (r: (typeof rows)[number]) =>
    r.sales > 0 ? (r.approvals / r.sales) * 100 : r.approvals;
  const limit = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const med = median(sorted);
    const mad = median(sorted.map((v) => Math.abs(v - med)).sort((a, b) => a - b));
    // a chain where nearly everyone has none: anything clearly above the median stands out
    return med + 3 * Math.max(mad, 0.5);
  };
  const thresholds = {
    returns: limit(rows.map((r) => r.returnRate)),
    voids: limit(rows.map((r) => r.voidRate)),
    approvals: limit(rows.map(approvalRate)),
  };
  return {
    thresholds,
    rows: rows.map((r) => ({
      ...r,
      outliers: [
        ...(r.returns.count >= MIN_EVENTS && r.returnRate > thresholds.returns ? (['returns'] as const) : []),
        ...(r.voids.count >= MIN_EVENTS && r.voidRate > thresholds.voids ? (['voids'] as const) : []),
        ...(r.approvals >= MIN_EVENTS && approvalRate(r) > thresholds.approvals
          ? (['approvals'] as const)
          : []),
      ],
    })),
  };
}

function median(sorted: readonly number[]): number {
  if (sorted.length === 0) return 0;
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}

/** The anomaly report as a table. */
export function anomaliesTable(rows: readonly AnomalyRow[], name: string): Table {
  return {
    name,
    columns: [
      'store',
      'cashier',
      'sales',
      'returns',
      'returns_sum',
      'voids',
      'voids_sum',
      'approvals',
      'return_rate',
      'void_rate',
      'outliers',
    ],
    rows: rows.map((x) => [
      x.store,
      x.cashier,
      x.sales,
      x.returns.count,
      { money: x.returns.total },
      x.voids.count,
      { money: x.voids.total },
      x.approvals,
      x.returnRate,
      x.voidRate,
      x.outliers.join(' '),
    ]),
  };
}
