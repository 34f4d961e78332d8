import type { SalesDocument } from './sales.js';

/**
 * Plausible sales documents for tests and benches: a sale of `lines` lines paid by cash and
 * card, with sums that pass salesDocumentProblem.
 */
export function sampleSale(o: {
  store?: string;
  till?: string;
  shift?: number;
  number: number;
  lines?: number;
  at?: string;
}): SalesDocument {
  const n = o.lines ?? 3;
  const lines = Array.from({ length: n }, (_, i) => {
    const price = 1000 + ((o.number * 37 + i * 101) % 90_000);
    const qty = 1 + ((o.number + i) % 3);
    return {
      productId: `P${(o.number * 7 + i) % 5000}`,
      barcode: `46${String((o.number * 7 + i) % 5000).padStart(11, '0')}`,
      name: `Товар ${(o.number * 7 + i) % 5000}`,
      quantity: String(qty),
      price,
      sum: price * qty,
      vat: 11,
    };
  });
  const total = lines.reduce((s, l) => s + l.sum, 0);
  const card = o.number % 2 === 0 ? total : Math.floor(total / 3);
  return {
    id: crypto.randomUUID(),
    store: o.store ?? 'S1',
    till: o.till ?? 'T1',
    kind: 'sale',
    at: o.at ?? new Date().toISOString(),
    shift: o.shift ?? 1,
    number: o.number,
    cashier: 'Иванова',
    total,
    lines,
    payments: { cash: total - card, card },
  };
}
