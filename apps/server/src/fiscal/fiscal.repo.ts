import type { Insertable, Kysely } from 'kysely';
import { prepare } from '@openkassa/db';
import {
  checkDocument,
  documentHeader,
  formatDecimal,
  receiptView,
  shiftReportView,
  stateReportView,
  toFnsJson,
  type FiscalDocument,
} from '@openkassa/fiscal';
import type { ServerSchema } from '../schema.js';

/** Parses a plaintext document into the central database (once per ФН and ФД). */
export async function recordDocument(
  db: Kysely<ServerSchema>,
  fn: string,
  fd: number,
  doc: FiscalDocument,
  receivedAt: string,
): Promise<void> {
  const r = receiptView(doc);
  const h = r ?? documentHeader(doc);
  const shift = r?.shiftNumber ?? shiftReportView(doc)?.shiftNumber ?? stateReportView(doc)?.shiftNumber;
  const flk = checkDocument(doc);
  const inserted = await insertDocument(db, {
    fn,
    fd,
    form: doc.form,
    ffd: h.ffd ?? null,
    fiscal_time: h.dateTime ?? null,
    shift_number: shift ?? null,
    receipt_number: r?.receiptNumber ?? null,
    operation_type: r?.operationType ?? null,
    total: r?.total ?? null,
    cash: r?.payments.cash ?? null,
    ecash: r?.payments.card ?? null,
    prepaid: r?.payments.prepaid ?? null,
    credit: r?.payments.credit ?? null,
    provision: r?.payments.provision ?? null,
    kkt_reg_id: h.kktRegId ?? null,
    user_inn: h.userInn ?? null,
    cashier: h.cashier ?? null,
    flk_ok: flk.ok ? 1 : 0,
    flk_json: JSON.stringify({ violations: flk.violations, warnings: flk.warnings }),
    fns_json: JSON.stringify(toFnsJson(doc)),
    received_at: receivedAt,
  });
  if (inserted.rows.length === 0 || !r || r.items.length === 0) return;
  await db
    .insertInto('fiscal_items')
    .values(
      r.items.map((it, i) => ({
        fn,
        fd,
        line_no: i + 1,
        name: it.name ?? null,
        price: it.price ?? null,
        quantity: it.quantity ? formatDecimal(it.quantity) : null,
        sum: it.sum ?? null,
        vat_rate: it.vatRate ?? null,
        vat_sum: it.vatSum ?? null,
        payment_method: it.paymentMethod ?? null,
        product_type: it.productType ?? null,
        measure: it.measure ?? null,
      })),
    )
    .execute();
}

/** Run for every document the relay receives: built once (see `prepare`). */
const insertDocument = prepare((db: Kysely<ServerSchema>, v: Insertable<ServerSchema['fiscal_documents']>) =>
  db
    .insertInto('fiscal_documents')
    .values({
      fn: v.fn,
      fd: v.fd,
      form: v.form,
      ffd: v.ffd,
      fiscal_time: v.fiscal_time,
      shift_number: v.shift_number,
      receipt_number: v.receipt_number,
      operation_type: v.operation_type,
      total: v.total,
      cash: v.cash,
      ecash: v.ecash,
      prepaid: v.prepaid,
      credit: v.credit,
      provision: v.provision,
      kkt_reg_id: v.kkt_reg_id,
      user_inn: v.user_inn,
      cashier: v.cashier,
      flk_ok: v.flk_ok,
      flk_json: v.flk_json,
      fns_json: v.fns_json,
      received_at: v.received_at,
    })
    .onConflict((oc) => oc.columns(['fn', 'fd']).doNothing())
    .returning('fd'),
);
