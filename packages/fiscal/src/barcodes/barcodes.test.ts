import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ean13CheckDigit, isValidEan13 } from './ean13.js';
import { parseMarkingCode } from './marking.js';
import { buildWeightedBarcode, parseWeightedBarcode, type WeightedLayout } from './weighted.js';

const WEIGHT: WeightedLayout = { prefixes: ['21', '22'], mask: 'PPTTTTTWWWWWK' };
const COST: WeightedLayout = { prefixes: ['23'], mask: 'PPTTTTkCCCCCK' };
const PIECES: WeightedLayout = { prefixes: ['24'], mask: 'PPTTTTTTNNNNK' };

describe('EAN-13', () => {
  it('computes the check digit', () => {
    expect(ean13CheckDigit('460123456789')).toBe(3);
    expect(isValidEan13('4601234567893')).toBe(true);
    expect(isValidEan13('4601234567890')).toBe(false);
  });
});

describe('in-store weighted barcodes', () => {
  it('decodes the common layout: item code and grams', () => {
    const r = parseWeightedBarcode('2200123012345'.slice(0, 12) + ean13CheckDigit('220012301234'), [WEIGHT]);
    expect(r).toMatchObject({
      ok: true,
      value: {
        kind: 'in-store',
        prefix: '22',
        itemCode: '00123',
        quantity: { mantissa: 1234n, scale: 3 },
        unit: 'kg',
      },
    });
  });
  it('decodes cost-embedded codes with the item check digit', () => {
    const code = buildWeightedBarcode(COST, '23', '4567', { kopecks: 31016 });
    expect(code.ok).toBe(true);
    const r = parseWeightedBarcode(code.ok ? code.value : '', [WEIGHT, COST]);
    expect(r).toMatchObject({ ok: true, value: { itemCode: '4567', amount: 31016 } });
  });
  it('treats other prefixes as ordinary goods', () => {
    expect(parseWeightedBarcode('4601234567893', [WEIGHT])).toEqual({
      ok: true,
      value: { kind: 'ordinary', code: '4601234567893' },
    });
  });
  it('refuses bad check digits, zero weight and broken layouts with a reason', () => {
    expect(
      parseWeightedBarcode('220012301234' + ((ean13CheckDigit('220012301234') + 1) % 10), [WEIGHT]),
    ).toMatchObject({
      ok: false,
      error: { code: 'bad-check-digit' },
    });
    const zero = '220012300000' + ean13CheckDigit('220012300000');
    expect(parseWeightedBarcode(zero, [WEIGHT])).toMatchObject({
      ok: false,
      error: { code: 'zero-quantity' },
    });
    const item = buildWeightedBarcode(COST, '23', '4567', { kopecks: 100 });
    const broken = item.ok
      ? item.value.slice(0, 6) + ((Number(item.value[6]) + 1) % 10) + item.value.slice(7, 12)
      : '';
    expect(parseWeightedBarcode(broken + ean13CheckDigit(broken), [COST])).toMatchObject({
      ok: false,
      error: { code: 'bad-item-check' },
    });
    expect(
      parseWeightedBarcode('2100123012345', [{ prefixes: ['21'], mask: 'PPTTWWTTTWWWK' }]),
    ).toMatchObject({ ok: false });
  });
  it('build → parse round-trips for every layout', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99999 }), fc.integer({ min: 1, max: 99999 }), (item, w) => {
        const c = buildWeightedBarcode(WEIGHT, '21', String(item), { grams: w });
        if (!c.ok) throw new Error(c.error.message);
        expect(isValidEan13(c.value)).toBe(true);
        const p = parseWeightedBarcode(c.value, [WEIGHT]);
        expect(p).toMatchObject({
          ok: true,
          value: { itemCode: String(item).padStart(5, '0'), quantity: { mantissa: BigInt(w), scale: 3 } },
        });
        const n = buildWeightedBarcode(PIECES, '24', String(item), { pieces: (w % 9999) + 1 });
        expect(n.ok && parseWeightedBarcode(n.value, [PIECES])).toMatchObject({
          ok: true,
          value: { unit: 'pcs' },
        });
      }),
    );
  });
});

describe('marking codes', () => {
  const GS = '\u001d';
  const crypto44 = 'A'.repeat(20) + 'b+/='.repeat(6);
  it('splits a GS1 DataMatrix into GTIN, serial, key id and crypto tail', () => {
    const code = `0104600439931256215Ab1cD2eF3gH4${GS}91EE06${GS}92${crypto44}`;
    expect(parseMarkingCode(code)).toEqual({
      ok: true,
      value: {
        format: 'gs1',
        gtin: '04600439931256',
        serial: '5Ab1cD2eF3gH4',
        cryptoKeyId: 'EE06',
        crypto: crypto44,
        normalized: code,
      },
    });
  });
  it('handles the short code with AI 93, a scanner prefix and digits 91/92 inside the serial', () => {
    const code = `]d2${GS}0104600439931256215912923ABCD${GS}93dGVz`;
    expect(parseMarkingCode(code)).toMatchObject({
      ok: true,
      value: { serial: '5912923ABCD', crypto: 'dGVz', shortCrypto: true },
    });
  });
  it('reads a code without GS separators by fixed lengths', () => {
    const code = `0104600439931256215Ab1cD2eF3gH491EE0692${crypto44}`;
    expect(parseMarkingCode(code)).toMatchObject({
      ok: true,
      value: { serial: '5Ab1cD2eF3gH4', cryptoKeyId: 'EE06' },
    });
  });
  it('reads the net weight of variable-weight goods', () => {
    expect(parseMarkingCode(`0104600439931256215Ab1cD2eF3gH4${GS}93abcd${GS}3103000345`)).toMatchObject({
      ok: true,
      value: { netWeightGrams: 345 },
    });
  });
  it('reads a 29-character tobacco pack code', () => {
    expect(parseMarkingCode('04600439931256-ABCDEFabcd1234'.replace('-', ''))).toMatchObject({ ok: false });
    expect(parseMarkingCode('04600439931256ABCDEFGabcd1234')).toEqual({
      ok: true,
      value: {
        format: 'tobacco-pack',
        gtin: '04600439931256',
        serial: 'ABCDEFG',
        mrp: 'abcd',
        crypto: '1234',
        normalized: '04600439931256ABCDEFGabcd1234',
      },
    });
  });
  it('refuses bad GTINs and codes without a crypto tail', () => {
    expect(parseMarkingCode(`0104600439931257215Ab1cD2eF3gH4${GS}93abcd`)).toMatchObject({
      ok: false,
      error: { code: 'bad-gtin' },
    });
    expect(parseMarkingCode(`0104600439931256215Ab1cD2eF3gH4`)).toMatchObject({
      ok: false,
      error: { code: 'bad-structure' },
    });
    expect(parseMarkingCode('')).toMatchObject({ ok: false, error: { code: 'empty' } });
  });
});
