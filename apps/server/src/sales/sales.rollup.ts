import type { Tx } from '@openkassa/db';
import type { SalesDocument } from '@openkassa/contracts';
import type { ServerSchema } from '../schema.js';

/** "1.234" → 1234 thousandths, exactly. */
export function milli(quantity: string): number {
  const [int = '0', frac = ''] = quantity.split('.');
  return Number(int) * 1000 + Number(frac.padEnd(3, '0').slice(0, 3));
}

/**
 * Adds newly stored sales and returns to the report sums, in the ingest transaction: per day,
 * hour, store, till, cashier and kind (counts and money), and per day, store and product
 * (quantity and amount). Keys are summed in memory first: one upsert row per key.
 */
export async function addToRollups(tx: Tx<ServerSchema>, docs: readonly SalesDocument[]): Promise<void> {
  const byDoc = new Map<string, ServerSchema['sales_rollup_docs']>();
  const byLine = new Map<string, ServerSchema['sales_rollup_lines']>();
  const byDocMonth = new Map<string, ServerSchema['sales_rollup_docs_m']>();
  const byHour = new Map<string, ServerSchema['sales_rollup_hours']>();
  const byProductMonth = new Map<string, ServerSchema['sales_rollup_products_m']>();
  for (const d of docs) {
    if (d.kind !== 'sale' && d.kind !== 'return') continue;
    const day = d.at.slice(0, 10);
    const hour = Number(d.at.slice(11, 13));
    const k = JSON.stringify([day, hour, d.store, d.till, d.cashier, d.kind]);
    const r = byDoc.get(k) ?? {
      day,
      hour,
      store: d.store,
      till: d.till,
      cashier: d.cashier,
      kind: d.kind,
      count: 0,
      total: 0,
      cash: 0,
      card: 0,
    };
    r.count++;
    r.total += d.total;
    r.cash += d.payments.cash;
    r.card += d.payments.card;
    byDoc.set(k, r);
    const hk = JSON.stringify([day, hour, d.kind]);
    const h = byHour.get(hk) ?? { day, hour, kind: d.kind, count: 0, total: 0, cash: 0, card: 0 };
    h.count++;
    h.total += d.total;
    h.cash += d.payments.cash;
    h.card += d.payments.card;
    byHour.set(hk, h);
    const month = day.slice(0, 7);
    const mk = JSON.stringify([month, d.store, d.till, d.cashier, d.kind]);
    const m = byDocMonth.get(mk) ?? {
      month,
      store: d.store,
      till: d.till,
      cashier: d.cashier,
      kind: d.kind,
      count: 0,
      total: 0,
      cash: 0,
      card: 0,
    };
    m.count++;
    m.total += d.total;
    m.cash += d.payments.cash;
    m.card += d.payments.card;
    byDocMonth.set(mk, m);
    for (const l of d.lines) {
      const product = l.productId ?? `barcode:${l.barcode ?? l.name}`;
      const lk = JSON.stringify([day, d.store, product, d.kind]);
      const x = byLine.get(lk) ?? {
        day,
        store: d.store,
        product_id: product,
        kind: d.kind,
        name: l.name,
        qty_milli: 0,
        amount: 0,
      };
      x.qty_milli += milli(l.quantity);
      x.amount += l.sum;
      byLine.set(lk, x);
      const pk = JSON.stringify([month, product, d.kind]);
      const pm = byProductMonth.get(pk) ?? {
        month,
        product_id: product,
        kind: d.kind,
        name: l.name,
        qty_milli: 0,
        amount: 0,
      };
      pm.qty_milli += milli(l.quantity);
      pm.amount += l.sum;
      byProductMonth.set(pk, pm);
    }
  }
  const docs_ = [...byDoc.values()];
  for (let i = 0; i < docs_.length; i += 500)
    await tx.db
      .insertInto('sales_rollup_docs')
      .values(docs_.slice(i, i + 500))
      .onConflict((oc) =>
        oc.columns(['day', 'hour', 'store', 'till', 'cashier', 'kind']).doUpdateSet((eb) => ({
          count: eb('sales_rollup_docs.count', '+', eb.ref('excluded.count')),
          total: eb('sales_rollup_docs.total', '+', eb.ref('excluded.total')),
          cash: eb('sales_rollup_docs.cash', '+', eb.ref('excluded.cash')),
          card: eb('sales_rollup_docs.card', '+', eb.ref('excluded.card')),
        })),
      )
      .execute();
  const months = [...byDocMonth.values()];
  for (let i = 0; i < months.length; i += 500)
    await tx.db
      .insertInto('sales_rollup_docs_m')
      .values(months.slice(i, i + 500))
      .onConflict((oc) =>
        oc.columns(['month', 'store', 'till', 'cashier', 'kind']).doUpdateSet((eb) => ({
          count: eb('sales_rollup_docs_m.count', '+', eb.ref('excluded.count')),
          total: eb('sales_rollup_docs_m.total', '+', eb.ref('excluded.total')),
          cash: eb('sales_rollup_docs_m.cash', '+', eb.ref('excluded.cash')),
          card: eb('sales_rollup_docs_m.card', '+', eb.ref('excluded.card')),
        })),
      )
      .execute();
  const hours = [...byHour.values()];
  for (let i = 0; i < hours.length; i += 500)
    await tx.db
      .insertInto('sales_rollup_hours')
      .values(hours.slice(i, i + 500))
      .onConflict((oc) =>
        oc.columns(['day', 'hour', 'kind']).doUpdateSet((eb) => ({
          count: eb('sales_rollup_hours.count', '+', eb.ref('excluded.count')),
          total: eb('sales_rollup_hours.total', '+', eb.ref('excluded.total')),
          cash: eb('sales_rollup_hours.cash', '+', eb.ref('excluded.cash')),
          card: eb('sales_rollup_hours.card', '+', eb.ref('excluded.card')),
        })),
      )
      .execute();
  const productMonths = [...byProductMonth.values()];
  for (let i = 0; i < productMonths.length; i += 500)
    await tx.db
      .insertInto('sales_rollup_products_m')
      .values(productMonths.slice(i, i + 500))
      .onConflict((oc) =>
        oc.columns(['month', 'product_id', 'kind']).doUpdateSet((eb) => ({
          qty_milli: eb('sales_rollup_products_m.qty_milli', '+', eb.ref('excluded.qty_milli')),
          amount: eb('sales_rollup_products_m.amount', '+', eb.ref('excluded.amount')),
          name: eb.ref('excluded.name'),
        })),
      )
      .execute();
  const lines = [...byLine.values()];
  for (let i = 0; i < lines.length; i += 500)
    await tx.db
      .insertInto('sales_rollup_lines')
      .values(lines.slice(i, i + 500))
      .onConflict((oc) =>
        oc.columns(['day', 'store', 'product_id', 'kind']).doUpdateSet((eb) => ({
          qty_milli: eb('sales_rollup_lines.qty_milli', '+', eb.ref('excluded.qty_milli')),
          amount: eb('sales_rollup_lines.amount', '+', eb.ref('excluded.amount')),
          name: eb.ref('excluded.name'),
        })),
      )
      .execute();
}
