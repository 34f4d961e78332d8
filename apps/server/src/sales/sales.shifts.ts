import type { Selectable } from 'kysely';
import type { Database } from '@openkassa/db';
import type { KindTotals, ShiftTotals } from '@openkassa/contracts';
import type { SalesRollupShiftsTable, ServerSchema } from '../schema.js';

/** The money columns of the shift sums (`sales_rollup_shifts`), added up on ingest. */
export const SHIFT_SUMS = [
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

export interface ShiftRow {
  readonly store: string;
  readonly till: string;
  readonly shift: number;
  readonly openedAt: string | null;
  /** Null while the shift is open (an X report); the Z report once its close has arrived. */
  readonly closedAt: string | null;
  readonly sale: KindTotals;
  readonly return: KindTotals;
  readonly cashIn: number;
  readonly cashOut: number;
  /** The ККТ's own totals at the close. */
  readonly kkt: ShiftTotals | null;
  /** Whether the ККТ's totals equal the till documents' (null until the close). */
  readonly agree: boolean | null;
}

/** A row of the shift sums as the X/Z of that shift. */
export function shiftOf(r: Selectable<SalesRollupShiftsTable>): ShiftRow {
  const kkt = r.kkt_json !== '' ? (JSON.parse(r.kkt_json) as ShiftTotals) : null;
  const sale = { count: r.sale_count, total: r.sale_total, cash: r.sale_cash, card: r.sale_card };
  const ret = { count: r.return_count, total: r.return_total, cash: r.return_cash, card: r.return_card };
  return {
    store: r.store,
    till: r.till,
    shift: r.shift,
    openedAt: r.opened_at === '' ? null : r.opened_at,
    closedAt: r.closed_at === '' ? null : r.closed_at,
    sale,
    return: ret,
    cashIn: r.cash_in,
    cashOut: r.cash_out,
    kkt,
    agree:
      kkt === null
        ? null
        : kkt.sell.count === sale.count &&
          kkt.sell.sum === sale.total &&
          kkt.sellReturn.count === ret.count &&
          kkt.sellReturn.sum === ret.total,
  };
}

export interface ShiftReport {
  readonly store: string;
  readonly till: string;
  readonly shift: number;
  readonly sale: KindTotals;
  readonly return: KindTotals;
  readonly cashIn: number;
  readonly cashOut: number;
  /** What the ККТ itself reported at the shift's close, if the close has arrived. */
  readonly kktTotals: ShiftTotals | null;
  readonly closed: boolean;
}

/** X/Z totals of one till shift, from the sums kept per shift on ingest. */
export async function shiftReport(
  db: Database<ServerSchema>,
  store: string,
  till: string,
  shift: number,
): Promise<ShiftReport> {
  const row = await db.db
    .selectFrom('sales_rollup_shifts')
    .selectAll()
    .where('store', '=', store)
    .where('till', '=', till)
    .where('shift', '=', shift)
    .executeTakeFirst();
  const none = { count: 0, total: 0, cash: 0, card: 0 };
  if (!row)
    return {
      store,
      till,
      shift,
      sale: none,
      return: none,
      cashIn: 0,
      cashOut: 0,
      kktTotals: null,
      closed: false,
    };
  const x = shiftOf(row);
  return {
    store,
    till,
    shift,
    sale: x.sale,
    return: x.return,
    cashIn: x.cashIn,
    cashOut: x.cashOut,
    kktTotals: x.kkt,
    closed: x.closedAt !== null,
  };
}
