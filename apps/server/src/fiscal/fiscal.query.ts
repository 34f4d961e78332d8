import qrcode from 'qrcode-generator';
import type { Database } from '@openkassa/db';
import {
  formatDecimal,
  fromFnsJson,
  receiptQrPayload,
  receiptView,
  stringOf,
  type JsonValue,
} from '@openkassa/fiscal';
import type { ServerSchema } from '../schema.js';

/** What the back office searches fiscal documents by; at least one of them. */
export interface FiscalSearch {
  readonly fn?: string;
  /** One ФД number, or a range of them. */
  readonly fd?: number;
  readonly fdFrom?: number;
  readonly fdTo?: number;
  /** Fiscal local days (YYYY-MM-DD), inclusive. */
  readonly dateFrom?: string;
  readonly dateTo?: string;
  /** The receipt's total, kopecks. */
  readonly total?: number;
  readonly limit: number;
  /** "fn/fd" of the last document of the previous page. */
  readonly after?: { fn: string; fd: number };
}

/** A fiscal local day as the ФН writes time (seconds, local time read as if UTC). */
const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;

/** Fiscal local time as text, "2026-11-22T10:15". */
export const fiscalTimeText = (t: number | null): string | null =>
  t === null ? null : new Date(t * 1000).toISOString().slice(0, 16);

/** Documents with their delivery state, in (ФН, ФД) order, filtered in the database. */
export async function searchFiscal(db: Database<ServerSchema>, q: FiscalSearch) {
  let sel = db.db
    .selectFrom('fiscal_messages as m')
    .leftJoin('fiscal_documents as d', (j) => j.onRef('d.fn', '=', 'm.fn').onRef('d.fd', '=', 'm.fd'))
    .select([
      'm.fn',
      'm.fd',
      'm.form',
      'm.state',
      'm.first_received_at',
      'm.forwarded_at',
      'm.answered_at',
      'm.answer_code',
      'm.times_received',
      'm.attempts',
      'm.last_error',
      'd.fiscal_time',
      'd.total',
      'd.operation_type',
      'd.flk_ok',
      'd.fns_json',
    ])
    .orderBy('m.fn')
    .orderBy('m.fd')
    .limit(q.limit + 1);
  if (q.fn !== undefined) sel = sel.where('m.fn', '=', q.fn);
  if (q.fd !== undefined) sel = sel.where('m.fd', '=', q.fd);
  if (q.fdFrom !== undefined) sel = sel.where('m.fd', '>=', q.fdFrom);
  if (q.fdTo !== undefined) sel = sel.where('m.fd', '<=', q.fdTo);
  if (q.dateFrom !== undefined) sel = sel.where('d.fiscal_time', '>=', dayStart(q.dateFrom));
  if (q.dateTo !== undefined) sel = sel.where('d.fiscal_time', '<', dayStart(q.dateTo) + 86_400);
  if (q.total !== undefined) sel = sel.where('d.total', '=', q.total);
  const after = q.after;
  if (after)
    sel = sel.where((eb) =>
      eb.or([eb('m.fn', '>', after.fn), eb.and([eb('m.fn', '=', after.fn), eb('m.fd', '>', after.fd)])]),
    );
  const rows = await sel.execute();
  const page = rows.slice(0, q.limit);
  const last = rows.length > q.limit ? page.at(-1) : undefined;
  return {
    documents: page.map((r) => ({
      fn: r.fn,
      fd: r.fd,
      form: r.form,
      state: r.state,
      receivedAt: r.first_received_at,
      forwardedAt: r.forwarded_at,
      answeredAt: r.answered_at,
      answerCode: r.answer_code,
      timesReceived: r.times_received,
      attempts: r.attempts,
      lastError: r.last_error,
      parsed:
        r.fns_json === null
          ? null
          : {
              fiscalTime: r.fiscal_time,
              fiscalTimeText: fiscalTimeText(r.fiscal_time),
              total: r.total,
              operationType: r.operation_type,
              flkOk: r.flk_ok === 1,
              fnsJson: JSON.parse(r.fns_json) as unknown,
            },
    })),
    next: last ? `${last.fn}/${last.fd}` : null,
  };
}

/** The QR code of a receipt as an SVG image (the FNS check payload). */
export function qrSvg(payload: string): string {
  const qr = qrcode(0, 'M');
  qr.addData(payload, 'Byte');
  qr.make();
  return qr.createSvgTag({ cellSize: 4, margin: 2, scalable: true });
}

/**
 * One fiscal document as the customer saw it (the receipt's lines, payments and QR code) and
 * as the chain handled it: when this server first received it, forwarded it, got the OFD's
 * answer, and which till uploaded the sale it belongs to.
 */
export async function fiscalDocument(db: Database<ServerSchema>, fn: string, fd: number) {
  const m = await db.db
    .selectFrom('fiscal_messages')
    .select([
      'form',
      'state',
      'first_received_at',
      'last_seen_at',
      'times_received',
      'attempts',
      'forwarded_at',
      'answered_at',
      'answer_code',
      'last_error',
    ])
    .where('fn', '=', fn)
    .where('fd', '=', fd)
    .executeTakeFirst();
  const d = await db.db
    .selectFrom('fiscal_documents')
    .selectAll()
    .where('fn', '=', fn)
    .where('fd', '=', fd)
    .executeTakeFirst();
  const sale = await db.db
    .selectFrom('all_sales_documents')
    .select(['id', 'store', 'till', 'kind', 'at', 'shift', 'number', 'cashier', 'received_at'])
    .where('fn', '=', fn)
    .where('fd', '=', fd)
    .executeTakeFirst();
  if (!m && !d && !sale) return undefined;
  let receipt = null;
  let qr = null;
  const fns = d ? (JSON.parse(d.fns_json) as JsonValue) : null;
  if (fns !== null) {
    const parsed = fromFnsJson(fns);
    const doc = parsed.ok ? parsed.value.document : undefined;
    const r = doc && receiptView(doc);
    if (doc && r)
      receipt = {
        operationType: r.operationType ?? null,
        correction: r.correction,
        taxation: r.taxation ?? null,
        total: r.total ?? 0,
        payments: r.payments,
        vat: r.vat,
        items: r.items.map((i) => ({
          name: i.name ?? '',
          price: i.price ?? null,
          quantity: i.quantity ? formatDecimal(i.quantity) : null,
          sum: i.sum ?? 0,
          vatRate: i.vatRate ?? null,
          vatSum: i.vatSum ?? null,
          measure: i.measure ?? null,
        })),
        user: stringOf(doc.fields, 1048) ?? null,
        address: r.address ?? null,
        place: r.place ?? null,
        fiscalSign: r.fiscalSign ?? null,
        kktNumber: stringOf(doc.fields, 1013)?.trim() ?? null,
        buyerContact: r.buyerContact ?? null,
      };
    const payload = doc && receiptQrPayload(doc);
    if (payload?.ok) qr = { payload: payload.value, svg: qrSvg(payload.value) };
  }
  const flk = d ? (JSON.parse(d.flk_json) as { violations: unknown[]; warnings: unknown[] }) : null;
  return {
    fn,
    fd,
    form: m?.form ?? d?.form ?? null,
    document: d
      ? {
          ffd: d.ffd,
          fiscalTime: fiscalTimeText(d.fiscal_time),
          shiftNumber: d.shift_number,
          receiptNumber: d.receipt_number,
          kktRegId: d.kkt_reg_id,
          userInn: d.user_inn,
          cashier: d.cashier,
          flk: { ok: d.flk_ok === 1, ...flk },
          fns,
        }
      : null,
    receipt,
    qr,
    sale: sale
      ? {
          id: sale.id,
          store: sale.store,
          till: sale.till,
          kind: sale.kind,
          at: sale.at,
          shift: sale.shift,
          number: sale.number,
          cashier: sale.cashier,
          receivedAt: sale.received_at,
        }
      : null,
    delivery: m
      ? {
          state: m.state,
          timesReceived: m.times_received,
          attempts: m.attempts,
          lastSeenAt: m.last_seen_at,
          lastError: m.last_error,
          answerCode: m.answer_code,
          trail: [
            { step: 'received', at: m.first_received_at },
            { step: 'forwarded', at: m.forwarded_at },
            { step: 'confirmed', at: m.answered_at },
          ],
        }
      : null,
  };
}
