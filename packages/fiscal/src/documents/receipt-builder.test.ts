import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDocument } from '../flk/flk.js';
import { buildReceipt, type ReceiptInput } from './receipt-builder.js';
import { numberOf } from './document.js';
import { lineAmount } from '../money/money.js';

const base: Omit<ReceiptInput, 'lines' | 'payments'> = {
  ffd: '1.2',
  operationType: 1,
  taxation: 1,
  user: 'ООО "Ромашка"',
  userInn: '7700000000',
  kktRegId: '0000000001012345',
  address: 'г. Москва, ул. Ленина, 1',
  place: 'Магазин №1',
  cashier: 'Иванова',
  fnNumber: '9999078900001366',
  fdNumber: 10,
  shiftNumber: 1,
  receiptNumber: 1,
  dateTime: 1795000000,
  fiscalSign: new Uint8Array(6),
};

describe('receipt builder', () => {
  it('computes sums and VAT so the receipt passes ФЛК', () => {
    const r = buildReceipt({
      ...base,
      lines: [
        { name: 'Сыр', price: 89900, quantity: { mantissa: 345n, scale: 3 }, vatRate: 11, measure: 11 },
        { name: 'Хлеб', price: 4500, quantity: { mantissa: 2n, scale: 0 }, vatRate: 2 },
      ],
      payments: { cash: 10000, card: 30016 },
    });
    if (!r.ok) throw new Error(r.error);
    expect(numberOf(r.value.fields, 1020)).toBe(40016);
    expect(numberOf(r.value.fields, 1102)).toBe(5593);
    expect(numberOf(r.value.fields, 1103)).toBe(818);
    expect(checkDocument(r.value).violations).toEqual([]);
  });

  it('refuses payments that do not match the total', () => {
    const r = buildReceipt({
      ...base,
      lines: [{ name: 'Хлеб', price: 4500, quantity: { mantissa: 1n, scale: 0 }, vatRate: 2 }],
      payments: { cash: 5000 },
    });
    expect(r).toEqual({ ok: false, error: 'payments 5000 do not equal the total 4500' });
  });

  it('every generated receipt passes ФЛК, in both FFD versions', () => {
    const line = fc.record({
      name: fc.constantFrom('Молоко', 'Сыр весовой', 'Пакет', 'Вода 0,5 л'),
      price: fc.integer({ min: 1, max: 10_000_000 }),
      quantity: fc.record({
        mantissa: fc.bigInt({ min: 1n, max: 100_000n }),
        scale: fc.integer({ min: 0, max: 3 }),
      }),
      vatRate: fc.constantFrom(1, 2, 3, 4, 5, 6, 11, 12),
    });
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 12 }),
        fc.constantFrom('1.05' as const, '1.2' as const),
        fc.nat(),
        (lines, ffd, split) => {
          const total = lines.reduce((a, l) => a + lineAmount(l.price, l.quantity), 0);
          const cash = split % (total + 1);
          const r = buildReceipt({ ...base, ffd, lines, payments: { cash, card: total - cash } });
          if (!r.ok) throw new Error(r.error);
          expect(checkDocument(r.value).violations).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
