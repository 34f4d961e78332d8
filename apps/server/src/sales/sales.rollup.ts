import type { DialectName, Tx } from '@openkassa/db';
import { insertMany, quote } from './bulk.js';
import type { SalesDocument } from '@openkassa/contracts';
import { parseDecimal } from '@openkassa/fiscal';
import type { ServerSchema } from '../schema.js';
import { SHIFT_SUMS } from './sales.shifts.js';

/** "1.234" → 1234 thousandths, exactly (sales quantities have at most three decimals). */
export function milli(quantity: string): number {
  const d = parseDecimal(quantity);
  if (!d || d.scale > 3)
    throw new RangeError(`quantity "${quantity}" is not a decimal with up to 3 decimals`);
  return Number(d.mantissa * 10n ** BigInt(3 - d.scale));
}

type RollupTable =
  | 'sales_rollup_docs'
  | 'sales_rollup_hours'
  | 'sales_rollup_docs_m'
  | 'sales_rollup_lines'
  | 'sales_rollup_products_m'
  | 'sales_rollup_shifts';
type Row = Record<string, string | number>;

/**
 * One table of report sums: rows keyed by `keys`, whose `sums` columns add up. The documents
 * of a commit are summed in memory first (one upsert row per key), then added to the table;
 * `latest` columns (a product's name) take the newest value when a row exists already.
 */
class Sums {
  readonly #rows = new Map<string, Row>();

  constructor(
    readonly table: RollupTable,
    readonly keys: readonly string[],
    readonly sums: readonly string[],
    readonly latest: readonly string[] = [],
    /** Columns keeping the smallest and the largest value seen. */
    readonly least: readonly string[] = [],
    readonly greatest: readonly string[] = [],
  ) {}

  add(key: Row, values: Row): void {
    const k = JSON.stringify(this.keys.map((c) => key[c]));
    const row = this.#rows.get(k);
    if (!row) {
      this.#rows.set(k, { ...key, ...values });
      return;
    }
    for (const c of this.sums) row[c] = (row[c] as number) + (values[c] as number);
    for (const c of this.latest) row[c] = values[c]!;
    for (const c of this.least) if (values[c]! < row[c]!) row[c] = values[c]!;
    for (const c of this.greatest) if (values[c]! > row[c]!) row[c] = values[c]!;
  }

  async write(tx: Tx<ServerSchema>, dialect: DialectName): Promise<void> {
    const rows = [...this.#rows.values()];
    if (rows.length === 0) return;
    const t = quote(this.table);
    const set = [
      ...this.sums.map((c) => `${quote(c)} = ${t}.${quote(c)} + excluded.${quote(c)}`),
      ...this.latest.map((c) => `${quote(c)} = excluded.${quote(c)}`),
      ...[...this.least.map((c) => [c, '<'] as const), ...this.greatest.map((c) => [c, '>'] as const)].map(
        ([c, op]) =>
          `${quote(c)} = case when excluded.${quote(c)} ${op} ${t}.${quote(c)} then excluded.${quote(c)} else ${t}.${quote(c)} end`,
      ),
    ];
    const columns = [...this.keys, ...this.sums, ...this.latest, ...this.least, ...this.greatest];
    await insertMany(
      tx,
      dialect,
      this.table,
      [...new Set(columns)],
      rows,
      `on conflict (${this.keys.map(quote).join(', ')}) do update set ${set.join(', ')}`,
    );
  }
}

const DOC_SUMS = ['count', 'total', 'cash', 'card'] as const;

/** A document's share of its shift's sums; '' never wins the greatest-of for the texts. */
function shiftSums(d: SalesDocument, day: string): Row {
  const money = (k: 'sale' | 'return') =>
    d.kind === k
      ? { count: 1, total: d.total, cash: d.payments.cash, card: d.payments.card }
      : { count: 0, total: 0, cash: 0, card: 0 };
  const sale = money('sale');
  const ret = money('return');
  return {
    sale_count: sale.count,
    sale_total: sale.total,
    sale_cash: sale.cash,
    sale_card: sale.card,
    return_count: ret.count,
    return_total: ret.total,
    return_cash: ret.cash,
    return_card: ret.card,
    cash_in: d.kind === 'cashIn' ? d.total : 0,
    cash_out: d.kind === 'cashOut' ? d.total : 0,
    first_day: day,
    last_day: day,
    opened_at: d.kind === 'shiftOpen' ? d.at : '',
    closed_at: d.kind === 'shiftClose' ? d.at : '',
    kkt_json: d.kind === 'shiftClose' && d.kktTotals ? JSON.stringify(d.kktTotals) : '',
  };
}
const LINE_SUMS = ['qty_milli', 'amount'] as const;

/**
 * Adds newly stored documents to the report sums, in the ingest transaction: sales and returns
 * (and voids, per cashier only) per day, hour, store, till, cashier and kind; chain-wide per day
 * and hour; per month, store, till and cashier (counts and money); per day, store and product,
 * and chain-wide per month and product (quantity and amount); every kind per till shift (with
 * the shift's first and last day, its opening and closing time and the ККТ's totals).
 */
export async function addToRollups(
  tx: Tx<ServerSchema>,
  dialect: DialectName,
  docs: readonly SalesDocument[],
): Promise<void> {
  const byDoc = new Sums('sales_rollup_docs', ['day', 'hour', 'store', 'till', 'cashier', 'kind'], DOC_SUMS);
  const byHour = new Sums('sales_rollup_hours', ['day', 'hour', 'kind'], DOC_SUMS);
  const byDocMonth = new Sums('sales_rollup_docs_m', ['month', 'store', 'till', 'cashier', 'kind'], DOC_SUMS);
  const byLine = new Sums('sales_rollup_lines', ['day', 'store', 'product_id', 'kind'], LINE_SUMS, ['name']);
  const byProductMonth = new Sums('sales_rollup_products_m', ['month', 'product_id', 'kind'], LINE_SUMS, [
    'name',
  ]);
  const byShift = new Sums(
    'sales_rollup_shifts',
    ['store', 'till', 'shift'],
    SHIFT_SUMS,
    [],
    ['first_day'],
    ['last_day', 'opened_at', 'closed_at', 'kkt_json'],
  );
  for (const d of docs) {
    const day = d.at.slice(0, 10);
    byShift.add({ store: d.store, till: d.till, shift: d.shift }, shiftSums(d, day));
    if (d.kind !== 'sale' && d.kind !== 'return' && d.kind !== 'void') continue;
    const hour = Number(d.at.slice(11, 13));
    const month = day.slice(0, 7);
    const money = { count: 1, total: d.total, cash: d.payments.cash, card: d.payments.card };
    const who = { store: d.store, till: d.till, cashier: d.cashier, kind: d.kind };
    byDoc.add({ day, hour, ...who }, money);
    // Voids count per store, till and cashier only: they sold nothing.
    if (d.kind === 'void') {
      byDocMonth.add({ month, ...who }, money);
      continue;
    }
    byHour.add({ day, hour, kind: d.kind }, money);
    byDocMonth.add({ month, ...who }, money);
    for (const l of d.lines) {
      const product_id = l.productId ?? `barcode:${l.barcode ?? l.name}`;
      const amounts = { qty_milli: milli(l.quantity), amount: l.sum, name: l.name };
      byLine.add({ day, store: d.store, product_id, kind: d.kind }, amounts);
      byProductMonth.add({ month, product_id, kind: d.kind }, amounts);
    }
  }
  for (const s of [byDoc, byHour, byDocMonth, byLine, byProductMonth, byShift]) await s.write(tx, dialect);
}
