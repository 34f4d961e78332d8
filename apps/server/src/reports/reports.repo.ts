import { sql, type RawBuilder } from 'kysely';
import type { Database } from '@openkassa/db';
import type { CatalogCategory } from '@openkassa/contracts';
import { quantityText } from '../text.js';
import type { Table } from './table.js';
import type { ServerSchema } from '../schema.js';

export { DIMENSIONS, type Dimension } from '@openkassa/contracts';
import type { Dimension } from '@openkassa/contracts';

export interface ReportQuery {
  readonly by: Dimension;
  /** Business days, inclusive, YYYY-MM-DD. */
  readonly from: string;
  readonly to: string;
  /** Only these stores (all when absent). */
  readonly stores?: readonly string[];
  /** For `category`: the children of this category (the top level when absent). */
  readonly parent?: string;
}

/** One row of a sales report. Money in kopecks; net = sales − returns. */
export interface ReportRow {
  readonly key: string;
  readonly label: string;
  readonly receipts: number;
  readonly returns: number;
  readonly sales: number;
  readonly returned: number;
  readonly net: number;
  /** Sold minus returned, in units (kilograms for weighed goods); product and category reports. */
  readonly quantity?: string;
  /** Whether the category has subcategories to drill into. */
  readonly hasChildren?: boolean;
}

/** A product's category in the joined catalogue, '' when it has none. */
const eb_category = sql<string>`coalesce(c.category, '')`;

/**
 * A period as whole months (read from the month sums) and the days before and after them (read
 * from the day sums).
 */
export function splitPeriod(
  from: string,
  to: string,
): { months?: [string, string]; days: [string, string][] } {
  const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
  const f = Date.parse(`${from}T00:00:00Z`);
  const t = Date.parse(`${to}T00:00:00Z`);
  const fd = new Date(f);
  const firstFull = fd.getUTCDate() === 1 ? f : Date.UTC(fd.getUTCFullYear(), fd.getUTCMonth() + 1, 1);
  const td = new Date(t);
  const lastDay = Date.UTC(td.getUTCFullYear(), td.getUTCMonth() + 1, 0);
  const lastFullEnd = t === lastDay ? t : Date.UTC(td.getUTCFullYear(), td.getUTCMonth(), 0);
  if (firstFull > lastFullEnd) return { days: [[from, to]] };
  const days: [string, string][] = [];
  if (f < firstFull) days.push([from, iso(firstFull - 86_400_000)]);
  if (lastFullEnd < t) days.push([iso(lastFullEnd + 86_400_000), to]);
  return { months: [iso(firstFull).slice(0, 7), iso(lastFullEnd).slice(0, 7)], days };
}

interface Acc {
  key: string;
  label: string;
  receipts: number;
  returns: number;
  sales: number;
  returned: number;
  qty: number;
  hasChildren?: boolean;
}

function finish(accs: Iterable<Acc>, withQty: boolean): ReportRow[] {
  return [...accs]
    .map((a) => ({
      key: a.key,
      label: a.label,
      receipts: a.receipts,
      returns: a.returns,
      sales: a.sales,
      returned: a.returned,
      net: a.sales - a.returned,
      ...(withQty && { quantity: quantityText(a.qty) }),
      ...(a.hasChildren !== undefined && { hasChildren: a.hasChildren }),
    }))
    .sort((x, y) => y.net - x.net || x.key.localeCompare(y.key));
}

/**
 * Sales over a period by one dimension, from the sums kept on ingest (never the detail rows),
 * so a year of a chain answers in milliseconds.
 */
export async function salesReport(db: Database<ServerSchema>, q: ReportQuery): Promise<ReportRow[]> {
  return q.by === 'product' || q.by === 'category' ? lineReport(db, q) : docReport(db, q);
}

/** The kinds that move money; the sums also hold voids, for the cashier report. */
const MONEY_KINDS = ['sale', 'return'];

/** Counts and money summed over rows of any of the document sum tables. */
const DOC_SUMS = [
  sql<number | string>`sum(count)`.as('count'),
  sql<number | string>`sum(total)`.as('total'),
  sql<number | string>`sum(cash)`.as('cash'),
  sql<number | string>`sum(card)`.as('card'),
];

/** Quantity, amount and the product's name summed over rows of either product sum table. */
const LINE_SUMS = [
  sql<string>`max(l.name)`.as('name'),
  sql<number | string>`sum(l.qty_milli)`.as('qty'),
  sql<number | string>`sum(l.amount)`.as('amount'),
];

async function docReport(db: Database<ServerSchema>, q: ReportQuery): Promise<ReportRow[]> {
  /** The report's key in a sum table whose month is `month`. */
  const key = (month: RawBuilder<string>) =>
    q.by === 'till'
      ? sql<string>`store || '/' || till`
      : q.by === 'month'
        ? month
        : q.by === 'hour'
          ? sql<string>`cast(hour as text)`
          : q.by === 'payment'
            ? sql<string>`''`
            : sql<string>`${sql.ref(q.by)}`;
  const byKey = <K>(k: K) => (q.by === 'payment' ? ['kind' as const] : [k, 'kind' as const]);
  const dayKey = key(sql<string>`substr(day, 1, 7)`);
  const monthKey = key(sql<string>`month`);
  const stores = q.stores && (q.stores.length > 0 ? [...q.stores] : ['']);
  const dayQuery = (from: string, to: string) => {
    let sel = db.db
      .selectFrom('sales_rollup_docs')
      .select([dayKey.as('k'), 'kind', ...DOC_SUMS])
      .where('day', '>=', from)
      .where('day', '<=', to)
      .where('kind', 'in', MONEY_KINDS)
      .groupBy(byKey(dayKey));
    if (stores) sel = sel.where('store', 'in', stores);
    return sel.execute();
  };
  const monthQuery = (from: string, to: string) => {
    let sel = db.db
      .selectFrom('sales_rollup_docs_m')
      .select([monthKey.as('k'), 'kind', ...DOC_SUMS])
      .where('month', '>=', from)
      .where('month', '<=', to)
      .where('kind', 'in', MONEY_KINDS)
      .groupBy(byKey(monthKey));
    if (stores) sel = sel.where('store', 'in', stores);
    return sel.execute();
  };
  // Day and hour over every store: the chain-wide hour sums, a few rows per day (they have the
  // day sums' day and hour columns, so the same key).
  const hourQuery = () =>
    db.db
      .selectFrom('sales_rollup_hours')
      .select([dayKey.as('k'), 'kind', ...DOC_SUMS])
      .where('day', '>=', q.from)
      .where('day', '<=', q.to)
      .groupBy([dayKey, 'kind'])
      .execute();
  // Otherwise whole months come from the month sums, the days around them from the day sums.
  const period =
    q.by === 'day' || q.by === 'hour'
      ? { days: [[q.from, q.to]] as [string, string][] }
      : splitPeriod(q.from, q.to);
  const parts =
    (q.by === 'day' || q.by === 'hour') && !stores
      ? [await hourQuery()]
      : await Promise.all([
          ...period.days.map(([f, t]) => dayQuery(f, t)),
          ...(period.months ? [monthQuery(period.months[0], period.months[1])] : []),
        ]);
  const rows = parts.flat();
  const accs = new Map<string, Acc>();
  const acc = (key: string, label: string) => {
    let a = accs.get(key);
    if (!a) accs.set(key, (a = { key, label, receipts: 0, returns: 0, sales: 0, returned: 0, qty: 0 }));
    return a;
  };
  for (const r of rows) {
    const isSale = r.kind === 'sale';
    if (q.by === 'payment') {
      for (const [key, label, amount] of [
        ['cash', 'Наличные', Number(r.cash)],
        ['card', 'Безналичные', Number(r.card)],
      ] as const) {
        const a = acc(key, label);
        if (isSale) a.sales += amount;
        else a.returned += amount;
      }
      continue;
    }
    const key = q.by === 'hour' ? r.k.padStart(2, '0') : r.k;
    const a = acc(key, q.by === 'hour' ? `${key}:00–${key}:59` : key);
    if (isSale) {
      a.receipts += Number(r.count);
      a.sales += Number(r.total);
    } else {
      a.returns += Number(r.count);
      a.returned += Number(r.total);
    }
  }
  const out = finish(accs.values(), false);
  // Time goes in order, not by size.
  if (q.by === 'day' || q.by === 'month' || q.by === 'hour') out.sort((x, y) => x.key.localeCompare(y.key));
  return out;
}

async function lineReport(db: Database<ServerSchema>, q: ReportQuery): Promise<ReportRow[]> {
  const byCategory = q.by === 'category';
  // Chain-wide, whole months come from the month sums per product; a store subset reads days.
  const period = q.stores ? { days: [[q.from, q.to]] as [string, string][] } : splitPeriod(q.from, q.to);
  const key = byCategory ? eb_category : sql<string>`l.product_id`;
  const dayQuery = (from: string, to: string) => {
    let sel = db.db
      .selectFrom('sales_rollup_lines as l')
      .leftJoin('catalog_items as c', (j) =>
        j.on('c.kind', '=', 'product').onRef('c.id', '=', 'l.product_id'),
      )
      .select([key.as('k'), 'l.kind', ...LINE_SUMS])
      .where('l.day', '>=', from)
      .where('l.day', '<=', to)
      .groupBy([key, 'l.kind']);
    if (q.stores) sel = sel.where('l.store', 'in', q.stores.length > 0 ? [...q.stores] : ['']);
    return sel.execute();
  };
  const monthQuery = (from: string, to: string) =>
    db.db
      .selectFrom('sales_rollup_products_m as l')
      .leftJoin('catalog_items as c', (j) =>
        j.on('c.kind', '=', 'product').onRef('c.id', '=', 'l.product_id'),
      )
      .select([key.as('k'), 'l.kind', ...LINE_SUMS])
      .where('l.month', '>=', from)
      .where('l.month', '<=', to)
      .groupBy([key, 'l.kind'])
      .execute();
  const parts = await Promise.all([
    ...period.days.map(([f, t]) => dayQuery(f, t)),
    ...(period.months ? [monthQuery(period.months[0], period.months[1])] : []),
  ]);
  const rows = parts.flat();
  const add = (a: Acc, kind: string, qty: number, amount: number) => {
    if (kind === 'sale') {
      a.sales += amount;
      a.qty += qty;
    } else {
      a.returned += amount;
      a.qty -= qty;
    }
  };
  if (!byCategory) {
    const accs = new Map<string, Acc>();
    for (const r of rows) {
      const key = r.k;
      let a = accs.get(key);
      if (!a)
        accs.set(key, (a = { key, label: r.name, receipts: 0, returns: 0, sales: 0, returned: 0, qty: 0 }));
      add(a, r.kind, Number(r.qty), Number(r.amount));
    }
    return finish(accs.values(), true);
  }
  // Categories: each row's total is its whole subtree's; drill down by `parent`.
  const cats = await db.db
    .selectFrom('catalog_items')
    .select(['id', 'data_json'])
    .where('kind', '=', 'category')
    .where('deleted', '=', 0)
    .execute();
  const parentOf = new Map<string, string | undefined>();
  const nameOf = new Map<string, string>();
  for (const c of cats) {
    const d = JSON.parse(c.data_json ?? '{}') as CatalogCategory;
    parentOf.set(c.id, d.parentId);
    nameOf.set(c.id, d.name);
  }
  const level = q.parent;
  // The child of `level` on the way from a category up to the root (undefined: not below it).
  const childOfLevel = (cat: string): string | undefined => {
    const seen = new Set<string>();
    for (let c: string | undefined = cat; c !== undefined && !seen.has(c); c = parentOf.get(c)) {
      seen.add(c);
      if (parentOf.get(c) === level) return c;
    }
    return undefined;
  };
  const accs = new Map<string, Acc>();
  for (const r of rows) {
    const cat = r.k;
    const key = cat === '' || !parentOf.has(cat) ? (level === undefined ? '' : undefined) : childOfLevel(cat);
    if (key === undefined) continue;
    let a = accs.get(key);
    if (!a)
      accs.set(
        key,
        (a = {
          key,
          label: key === '' ? 'Без категории' : (nameOf.get(key) ?? key),
          receipts: 0,
          returns: 0,
          sales: 0,
          returned: 0,
          qty: 0,
          hasChildren: key !== '' && [...parentOf.values()].includes(key),
        }),
      );
    add(a, r.kind, Number(r.qty), Number(r.amount));
  }
  return finish(accs.values(), true);
}

/** A sales report as a table (CSV or workbook), with a header row. */
export function reportTable(rows: readonly ReportRow[], by: Dimension, name: string): Table {
  const qty = rows.some((r) => r.quantity !== undefined);
  return {
    name,
    columns: [by, 'label', 'receipts', 'returns', 'sales', 'returned', 'net', ...(qty ? ['quantity'] : [])],
    rows: rows.map((r) => [
      r.key,
      r.label,
      r.receipts,
      r.returns,
      { money: r.sales },
      { money: r.returned },
      { money: r.net },
      ...(qty ? [r.quantity === undefined ? null : { qty: r.quantity }] : []),
    ]),
  };
}
