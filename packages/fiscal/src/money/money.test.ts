import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, divRoundHalfUp, formatRoubles, lineAmount, parseRoubles } from './money.js';
import { decimalFromNumber, formatDecimal, parseDecimal } from './quantity.js';
import { allVatRates, vatIncluded, vatRateInfo } from './vat.js';

describe('money in kopecks', () => {
  it('formats and parses roubles exactly', () => {
    expect(formatRoubles(123456)).toBe('1234.56');
    expect(formatRoubles(5)).toBe('0.05');
    expect(formatRoubles(-150)).toBe('-1.50');
    expect(parseRoubles('1234.5')).toBe(123450);
    expect(parseRoubles('0,07')).toBe(7);
    expect(parseRoubles('12.345')).toBeUndefined();
    expect(parseRoubles('abc')).toBeUndefined();
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 45), max: 2 ** 45 }), (k) => {
        expect(parseRoubles(formatRoubles(k))).toBe(k);
      }),
    );
  });

  it('price × quantity rounds half up to a kopeck', () => {
    expect(lineAmount(89900, parseDecimal('0.345')!)).toBe(31016); // 310.155
    expect(lineAmount(58999, parseDecimal('0.022')!)).toBe(1298);
    expect(lineAmount(11999, parseDecimal('0.844')!)).toBe(10127);
    expect(lineAmount(100, parseDecimal('1.005')!)).toBe(101); // 100.5 → 101
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 3 }),
        (p, m, s) => {
          const exact = (BigInt(p) * BigInt(m) * 2n + 10n ** BigInt(s)) / (2n * 10n ** BigInt(s));
          expect(lineAmount(p, { mantissa: BigInt(m), scale: s })).toBe(Number(exact));
        },
      ),
    );
  });

  it('divRoundHalfUp rounds half away from zero', () => {
    expect(divRoundHalfUp(5n, 2n)).toBe(3n);
    expect(divRoundHalfUp(-5n, 2n)).toBe(-3n);
    expect(divRoundHalfUp(4n, 3n)).toBe(1n);
  });

  it('allocate splits exactly', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 ** 9 }),
        fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 20 }),
        (t, w) => {
          const parts = allocate(t, w);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(t);
          expect(parts.every((p) => p >= 0)).toBe(true);
        },
      ),
    );
  });
});

describe('exact decimal quantities', () => {
  it('parses, formats and reads JSON numbers without binary error', () => {
    expect(parseDecimal('0.844')).toEqual({ mantissa: 844n, scale: 3 });
    expect(formatDecimal({ mantissa: 5n, scale: 3 })).toBe('0.005');
    expect(decimalFromNumber(0.1)).toEqual({ mantissa: 1n, scale: 1 });
    expect(decimalFromNumber(1e-7)).toEqual({ mantissa: 1n, scale: 7 });
    expect(parseDecimal('1e3')).toBeUndefined();
  });
});

describe('VAT', () => {
  it('knows every rate code including 22 % (11), 22/122 (12), 5 % and 7 %', () => {
    expect(allVatRates().map((r) => r.code)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(vatRateInfo(11)?.percent).toBe(22);
    expect(vatRateInfo(12)?.label).toBe('НДС 22/122');
    expect(vatRateInfo(7)?.percent).toBe(5);
    expect(vatRateInfo(8)?.percent).toBe(7);
  });
  it('computes VAT included in a gross amount', () => {
    expect(vatIncluded(12000, 1)).toBe(2000);
    expect(vatIncluded(17980, 2)).toBe(1635); // 1634.545…
    expect(vatIncluded(12200, 11)).toBe(2200);
    expect(vatIncluded(10500, 7)).toBe(500);
    expect(vatIncluded(10700, 8)).toBe(700);
    expect(vatIncluded(5000, 6)).toBe(0);
    expect(vatIncluded(5000, 99)).toBeUndefined();
  });
});
