import type { Insertable, Kysely } from 'kysely';
import { prepare, type Database } from '@openkassa/db';
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
  if (inserted.rows.length === 0 || !r) return;
  // in statements of up to ITEM_ROWS rows, the values named by column and row (`price0`, …)
  for (let at = 0; at < r.items.length; at += ITEM_ROWS) {
    const chunk = r.items.slice(at, at + ITEM_ROWS);
    const v: Record<string, string | number | null> = {};
    chunk.forEach((it, i) => {
      const row: ItemValues = {
        fn,
        fd,
        line_no: at + i + 1,
        name: it.name ?? null,
        price: it.price ?? null,
        quantity: it.quantity ? formatDecimal(it.quantity) : null,
        sum: it.sum ?? null,
        vat_rate: it.vatRate ?? null,
        vat_sum: it.vatSum ?? null,
        payment_method: it.paymentMethod ?? null,
        product_type: it.productType ?? null,
        measure: it.measure ?? null,
      };
      for (const c of ITEM_COLUMNS) v[`${c}${i}`] = row[c];
    });
    await insertItems(chunk.length)(db, v);
  }
}

type ItemRow = Insertable<ServerSchema['fiscal_items']>;

const ITEM_COLUMNS = [
  'fn',
  'fd',
  'line_no',
  'name',
  'price',
  'quantity',
  'sum',
  'vat_rate',
  'vat_sum',
  'payment_method',
  'product_type',
  'measure',
] as const satisfies readonly (keyof ItemRow)[];

/** One item's row: every column, each given (null when the receipt has none). */
type ItemValues = { [C in (typeof ITEM_COLUMNS)[number]]: string | number | null };

/** Items go in by statements of up to this many rows (a receipt rarely has more). */
const ITEM_ROWS = 16;

/** The items' insert for `n` rows, built once per row count (see `prepare`). */
const insertItems = (() => {
  const byCount = new Map<
    number,
    (db: Kysely<ServerSchema>, v: Record<string, string | number | null>) => Promise<unknown>
  >();
  return (n: number) => {
    let run = byCount.get(n);
    if (!run) {
      run = prepare((db: Kysely<ServerSchema>, v: Record<string, string | number | null>) =>
        db
          .insertInto('fiscal_items')
          .values(
            Array.from(
              { length: n },
              (_, i) => Object.fromEntries(ITEM_COLUMNS.map((c) => [c, v[`${c}${i}`]])) as unknown as ItemRow,
            ),
          ),
      );
      byCount.set(n, run);
    }
    return run;
  };
})();

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

/** ФН registered to stores (what `--known-fn-only` accepts), of these stores or all. */
export function knownFns(db: Database<ServerSchema>, stores: readonly string[] | undefined) {
  let sel = db.db.selectFrom('known_fns').selectAll().orderBy('fn');
  if (stores) sel = sel.where('store', 'in', stores);
  return sel.execute();
}

/** Registers a ФН to a store, or moves it to another. */
export async function registerFn(
  db: Database<ServerSchema>,
  r: { fn: string; store: string; at: string; by: string },
): Promise<void> {
  const row = { store: r.store, registered_at: r.at, registered_by: r.by };
  await db.db
    .insertInto('known_fns')
    .values({ fn: r.fn, ...row })
    .onConflict((oc) => oc.column('fn').doUpdateSet(row))
    .execute();
}
