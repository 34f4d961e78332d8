import type { FiscalParams, SalesDocument, ShiftTotals } from '@openkassa/contracts';
import type { ScannedLine } from '../catalog/index.js';
import type { TaskResult } from '../kkt/index.js';
import type { DocumentsTable } from '../schema.js';
import { fmt, kop } from './till.format.js';
import type { Approval } from './till.types.js';

/** What the ККТ answered, as the till records it: the fiscal data and the shift's counters. */

export function fiscalFrom(r: TaskResult | undefined): FiscalParams | undefined {
  const p = r?.result?.fiscalParams as Record<string, unknown> | undefined;
  if (!p) return undefined;
  return {
    fn: String(p.fnNumber),
    fd: Number(p.fiscalDocumentNumber),
    fp: String(p.fiscalDocumentSign),
    shift: Number(p.shiftNumber),
    ...(p.fiscalReceiptNumber !== undefined && { receiptNumber: Number(p.fiscalReceiptNumber) }),
    at: String(p.fiscalDocumentDateTime),
  };
}

export function totalsFrom(r: TaskResult | undefined): ShiftTotals | undefined {
  const t = r?.result?.shiftTotals as
    { receipts?: Record<string, { count?: number; sum?: number }>; cashSum?: number } | undefined;
  if (!t) return undefined;
  const op = (k: string) => ({ count: t.receipts?.[k]?.count ?? 0, sum: kop(t.receipts?.[k]?.sum) });
  return { sell: op('sell'), sellReturn: op('sellReturn'), cashInDrawer: kop(t.cashSum) };
}

/** A till document as it is uploaded: what the store server and the head office store. */
export function uploadForm(
  doc: Pick<
    DocumentsTable,
    | 'id'
    | 'kind'
    | 'created_at'
    | 'number'
    | 'cashier'
    | 'total'
    | 'lines_json'
    | 'cash'
    | 'card'
    | 'original_id'
    | 'catalog_version'
    | 'approval_json'
  >,
  store: string,
  till: string,
  shift: number,
  fiscal: FiscalParams | undefined,
  kktTotals: ShiftTotals | undefined,
): SalesDocument {
  return {
    id: doc.id,
    store,
    till,
    kind: doc.kind as SalesDocument['kind'],
    at: doc.created_at,
    shift,
    number: doc.number,
    cashier: doc.cashier,
    total: doc.total,
    lines: (JSON.parse(doc.lines_json) as ScannedLine[]).map((l) => ({
      productId: l.productId,
      barcode: l.barcode,
      name: l.name,
      quantity: l.quantity,
      price: l.price,
      sum: l.sum,
      vat: l.vat,
      ...(l.weighted && { weighted: true }),
      ...(l.listPrice !== undefined && { listPrice: l.listPrice }),
    })),
    payments:
      doc.kind === 'sale' || doc.kind === 'return'
        ? { cash: doc.cash, card: doc.card }
        : { cash: 0, card: 0 },
    ...(doc.original_id !== null && { originalId: doc.original_id }),
    ...(fiscal && { fiscal }),
    ...(kktTotals && { kktTotals }),
    ...(doc.catalog_version !== null && { catalogVersion: doc.catalog_version }),
    ...(doc.approval_json !== null && { approval: JSON.parse(doc.approval_json) as Approval }),
  };
}

/**
 * What the cashier must hear of receipts and returns the ККТ did print although the till could
 * not confirm them at the time (found on the next operation, or at a restart), or undefined.
 */
export function printedNotice(settled: readonly DocumentsTable[]): string | undefined {
  const late = settled.filter((d) => d.state === 'done' && (d.kind === 'sale' || d.kind === 'return'));
  if (late.length === 0) return undefined;
  const what = late.map((d) => `${d.kind === 'sale' ? 'Чек' : 'Возврат'} № ${d.number} на ${fmt(d.total)}`);
  return late.length === 1
    ? `${what[0]!} всё же пробит ККТ. Не пробивайте его повторно`
    : `${what.join(', ')} всё же пробиты ККТ. Не пробивайте их повторно`;
}
