import type { FiscalParams, KindTotals, SalesDocument, ShiftTotals } from '@openkassa/contracts';
import type { WeightedLayout } from '@openkassa/fiscal';
import type { ScannedLine } from '../catalog/index.js';
import type { AtolClient } from '../kkt/index.js';
import type { DocumentsTable, TillSchema } from '../schema.js';
import type { Database } from '@openkassa/db';

export type Refusal = { readonly ok: false; readonly code: string; readonly message: string };
export type Outcome<T> = { readonly ok: true; readonly value: T } | Refusal;

export const refuse = (code: string, message: string): Refusal => ({ ok: false, code, message });

export interface TillTotals {
  readonly sale: KindTotals;
  readonly return: KindTotals;
  readonly cashIn: number;
  readonly cashOut: number;
  /** Cash that should be in the drawer by the till's own documents. */
  readonly cashInDrawer: number;
}

export interface ShiftReportView {
  readonly shift: number;
  readonly till: TillTotals;
  readonly kkt: ShiftTotals | null;
  /** The till's documents and the ККТ's counters give the same totals. */
  readonly agree: boolean | null;
}

export interface DocumentView {
  readonly id: string;
  readonly number: number;
  readonly kind: string;
  readonly state: string;
  readonly shift: number;
  readonly cashier: string;
  readonly createdAt: string;
  readonly total: number;
  readonly cash: number;
  readonly card: number;
  readonly tendered: number;
  readonly change: number;
  readonly lines: ScannedLine[];
  readonly originalId: string | null;
  readonly fiscal: FiscalParams | null;
  readonly error: string | null;
}

export interface SaleRequest {
  /** `price`: another price than the catalogue's for this line (kopecks): a price override. */
  readonly lines: readonly {
    readonly barcode: string;
    readonly quantity?: string;
    readonly price?: number;
  }[];
  /** Card part in kopecks; the rest is cash. */
  readonly card: number;
  /** Cash handed over by the customer (≥ the cash part); the difference is change. */
  readonly cashTendered: number;
}

export interface TillDeps {
  readonly db: Database<TillSchema>;
  readonly kkt: AtolClient;
  readonly store: string;
  readonly till: string;
  readonly clock: { now(): Date };
  readonly ids: { uuid(): string };
  readonly layouts: () => readonly WeightedLayout[];
  readonly taxation?: string;
  /** The store lets a return go without the sale's receipt (by the goods, with a manager). */
  readonly allowReturnWithoutReceipt?: boolean;
  /** A finished document went into the outbox. */
  readonly onDocument: () => void;
  readonly log: { warn(m: string): void };
}

/** Who allowed an operation beyond the cashier's role. */
export type Approval = NonNullable<SalesDocument['approval']>;

export function view(r: DocumentsTable): DocumentView {
  return {
    id: r.id,
    number: r.number,
    kind: r.kind,
    state: r.state,
    shift: r.shift,
    cashier: r.cashier,
    createdAt: r.created_at,
    total: r.total,
    cash: r.cash,
    card: r.card,
    tendered: r.tendered,
    change: r.change,
    lines: JSON.parse(r.lines_json) as ScannedLine[],
    originalId: r.original_id,
    fiscal: r.fiscal_json ? (JSON.parse(r.fiscal_json) as FiscalParams) : null,
    error: r.error,
  };
}
