import { expect, it } from 'vitest';
import { describeStorage } from '@openkassa/db/testing';
import { emulatedReceipt } from '@openkassa/emulation';
import { serverDbOptions } from '../migrations/index.js';
import type { ServerSchema } from '../schema.js';
import { recordDocument } from './fiscal.repo.js';

const FN = '9999078900004321';

/** 1 × 100 kopecks, 1.5 × 200, 1 × 300, 1.5 × 400, … */
const total = (lines: number) =>
  Array.from({ length: lines }, (_, i) => (i % 2 ? 150 : 100) * (i + 1)).reduce((a, b) => a + b, 0);

const receipt = (fd: number, lines: number) =>
  emulatedReceipt(
    FN,
    fd,
    Array.from({ length: lines }, (_, i) => ({
      name: `Товар ${i + 1}`,
      price: 100 * (i + 1),
      quantity: i % 2 ? { mantissa: 1500n, scale: 3 } : { mantissa: 1n, scale: 0 },
      vatRate: i % 2 ? 2 : 11,
      measure: i % 2 ? 11 : 0,
    })),
  );

describeStorage<ServerSchema>(
  'fiscal documents in the central database',
  (ctx) => {
    const items = (fd: number) =>
      ctx
        .db()
        .db.selectFrom('fiscal_items')
        .select(['line_no', 'name', 'price', 'quantity', 'vat_rate', 'measure'])
        .where('fn', '=', FN)
        .where('fd', '=', fd)
        .orderBy('line_no')
        .execute();

    for (const lines of [1, 16, 17, 37]) {
      it(`keeps every item of a receipt with ${lines} lines, in order, once`, async () => {
        const fd = 100 + lines;
        const doc = receipt(fd, lines);
        const at = '2026-12-03T10:00:00.000Z';
        await ctx.db().transaction((tx) => recordDocument(tx.db, FN, fd, doc, at));
        // a second pass adds nothing
        await ctx.db().transaction((tx) => recordDocument(tx.db, FN, fd, doc, at));
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
          .where('fn', '=', FN)
          .where('fd', '=', fd)
          .execute();
        expect(header).toEqual([{ total: total(lines), receipt_number: fd }]);
      });
    }
  },
  serverDbOptions,
);
