import { expect, it } from 'vitest';
import { describeStorage } from '@openkassa/db/testing';
import { buildReceipt } from '@openkassa/fiscal';
import { serverDbOptions } from '../migrations.js';
import type { ServerSchema } from '../schema.js';
import { recordDocument } from './fiscal.repo.js';

/** 1 × 100 kopecks, 1.5 × 200, 1 × 300, 1.5 × 400, … */
const total = (lines: number) =>
  Array.from({ length: lines }, (_, i) => (i % 2 ? 150 : 100) * (i + 1)).reduce((a, b) => a + b, 0);

function receipt(fd: number, lines: number) {
  const r = buildReceipt({
    ffd: '1.2',
    operationType: 1,
    taxation: 1,
    user: 'ООО "Ромашка"',
    userInn: '7700000000',
    kktRegId: '0000000001012345',
    address: 'г. Москва, ул. Тестовая, 1',
    place: 'Магазин',
    cashier: 'Кассир',
    fnNumber: '9999078900004321',
    fdNumber: fd,
    shiftNumber: 1,
    receiptNumber: fd,
    dateTime: 1795000000 + fd,
    fiscalSign: new Uint8Array(6),
    lines: Array.from({ length: lines }, (_, i) => ({
      name: `Товар ${i + 1}`,
      price: 100 * (i + 1),
      quantity: i % 2 ? { mantissa: 1500n, scale: 3 } : { mantissa: 1n, scale: 0 },
      vatRate: i % 2 ? 2 : 11,
      measure: i % 2 ? 11 : 0,
    })),
    payments: { cash: total(lines) },
  });
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describeStorage<ServerSchema>(
  'fiscal documents in the central database',
  (ctx) => {
    const items = (fd: number) =>
      ctx
        .db()
        .db.selectFrom('fiscal_items')
        .select(['line_no', 'name', 'price', 'quantity', 'vat_rate', 'measure'])
        .where('fn', '=', '9999078900004321')
        .where('fd', '=', fd)
        .orderBy('line_no')
        .execute();

    for (const lines of [1, 16, 17, 37]) {
      it(`keeps every item of a receipt with ${lines} lines, in order, once`, async () => {
        const fd = 100 + lines;
        const doc = receipt(fd, lines);
        const at = '2026-12-03T10:00:00.000Z';
        await ctx.db().transaction((tx) => recordDocument(tx.db, '9999078900004321', fd, doc, at));
        // a second pass adds nothing
        await ctx.db().transaction((tx) => recordDocument(tx.db, '9999078900004321', fd, doc, at));
        const rows = await items(fd);
        expect(rows).toEqual(
          Array.from({ length: lines }, (_, i) => ({
            line_no: i + 1,
            name: `Товар ${i + 1}`,
            price: 100 * (i + 1),
            quantity: i % 2 ? '1.500' : '1',
            vat_rate: i % 2 ? 2 : 11,
            measure: i % 2 ? 11 : 0,
          })),
        );
        const header = await ctx
          .db()
          .db.selectFrom('fiscal_documents')
          .select(['total', 'receipt_number'])
          .where('fn', '=', '9999078900004321')
          .where('fd', '=', fd)
          .execute();
        expect(header).toEqual([{ total: total(lines), receipt_number: fd }]);
      });
    }
  },
  serverDbOptions,
);
