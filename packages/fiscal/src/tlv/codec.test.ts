import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_FORMS, anyDocumentArb, documentArb } from '../test-support/arbitraries.js';
import { decodeDocument, encodeDocument } from '../documents/document.js';
import { fromFnsJson, toFnsJson } from '../documents/fns-json.js';
import { decodeFields, encodeFields, isDecimal, isFieldList, type DecodeError, type Field } from './codec.js';
import { fromHex, toHex } from '../bytes.js';
import { decimalsSameValue, type Decimal } from '../money/quantity.js';

const DECODE_CODES: readonly DecodeError['code'][] = [
  'truncated-header',
  'truncated-value',
  'value-too-large',
  'bad-fvln',
  'too-deep',
  'not-a-document',
  'trailing-bytes',
];

function expectTypedError(r: { ok: boolean; error?: DecodeError }, length: number) {
  if (r.ok) return;
  expect(DECODE_CODES).toContain(r.error!.code);
  expect(r.error!.offset).toBeGreaterThanOrEqual(0);
  expect(r.error!.offset).toBeLessThanOrEqual(length);
  expect(r.error!.message.length).toBeGreaterThan(0);
}

describe('TLV codec properties', () => {
  for (const form of ALL_FORMS) {
    for (const v of ['1.05', '1.2'] as const) {
      it(`decode(encode(doc)) = doc for form ${form}, FFD ${v}`, () => {
        fc.assert(
          fc.property(documentArb(form, v), (doc) => {
            const bytes = encodeDocument(doc);
            if (!bytes.ok) throw new Error(bytes.error.message);
            const back = decodeDocument(bytes.value);
            if (!back.ok) throw new Error(back.error.message);
            expect(back.value).toEqual(doc);
            // and byte-identical the second time round
            const again = encodeDocument(back.value);
            expect(again.ok && toHex(again.value)).toBe(toHex(bytes.value));
          }),
          { numRuns: 60 },
        );
      });
    }
  }

  it('random bytes only ever give a value or a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expectTypedError(decodeFields(bytes), bytes.length);
        expectTypedError(decodeDocument(bytes), bytes.length);
      }),
      { numRuns: 3000 },
    );
  });

  it('every truncation of a valid document gives a typed error, never a throw', () => {
    fc.assert(
      fc.property(anyDocumentArb, fc.nat(), (doc, cut) => {
        const bytes = encodeDocument(doc);
        // every generated document encodes; one that did not would be a failure, not a skip
        if (!bytes.ok) throw new Error(`a generated document did not encode: ${bytes.error.message}`);
        fc.pre(bytes.value.length >= 2);
        const n = cut % bytes.value.length;
        const r = decodeDocument(bytes.value.subarray(0, n));
        expect(r.ok).toBe(false);
        expectTypedError(r, n);
      }),
      { numRuns: 500 },
    );
  });

  it('single-byte corruption of a valid document never throws', () => {
    fc.assert(
      fc.property(anyDocumentArb, fc.nat(), fc.integer({ min: 0, max: 255 }), (doc, at, b) => {
        const bytes = encodeDocument(doc);
        if (!bytes.ok) throw new Error(`a generated document did not encode: ${bytes.error.message}`);
        const copy = bytes.value.slice();
        copy[at % copy.length] = b;
        expectTypedError(decodeDocument(copy), copy.length);
      }),
      { numRuns: 1000 },
    );
  });

  it('TLV → FNS JSON → TLV keeps every value', () => {
    fc.assert(
      fc.property(anyDocumentArb, (doc) => {
        const back = fromFnsJson(JSON.parse(JSON.stringify(toFnsJson(doc))));
        if (!back.ok) throw new Error(`${back.error.path}: ${back.error.message}`);
        expect(back.value.ignored).toEqual([]);
        expectSameValues(back.value.document.fields, doc.fields);
      }),
      { numRuns: 300 },
    );
  });
});

/** Same tags and values; order may differ only where JSON grouped repeated tags. */
function expectSameValues(actual: readonly Field[], expected: readonly Field[]) {
  const key = (f: Field) => f.tag;
  const sort = (l: readonly Field[]) => [...l].sort((a, b) => key(a) - key(b));
  const a = sort(actual);
  const e = sort(expected);
  expect(a.map(key)).toEqual(e.map(key));
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!.value;
    const y = e[i]!.value;
    if (isFieldList(y)) expectSameValues(x as readonly Field[], y);
    else if (isDecimal(y)) expect(decimalsSameValue(x as Decimal, y)).toBe(true);
    else expect(x).toEqual(y);
  }
}

describe('TLV codec details', () => {
  it('keeps unknown tags as raw bytes and re-encodes them unchanged', () => {
    const bytes = fromHex('b90401000239300300aabbccd50702000100')!;
    const r = decodeFields(bytes);
    expect(r.ok && r.value).toEqual([
      { tag: 1209, value: 2 },
      { tag: 12345, value: fromHex('aabbcc') },
      { tag: 2005, value: 1, length: 2 },
    ]);
    const back = r.ok ? encodeFields(r.value) : undefined;
    expect(back?.ok && toHex(back.value)).toBe(toHex(bytes));
  });

  it('says where and why a value is truncated', () => {
    // item STLV declares 8 bytes, inner tag 1043 declares 6 but only 4 follow
    const r = decodeFields(fromHex('23040800130406000102030405')!);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('truncated-value');
    }
    const inner = decodeFields(fromHex('230408001304060001020304')!);
    expect(!inner.ok && inner.error).toMatchObject({
      code: 'truncated-value',
      offset: 4,
      tag: 1043,
      path: [1059],
    });
  });

  it('rejects an over-large integer with a typed error', () => {
    const r = decodeFields(fromHex('1004090001020304050607080a')!);
    expect(!r.ok && r.error.code).toBe('value-too-large');
  });

  it('refuses to encode text outside CP866 and values of the wrong type', () => {
    expect(encodeFields([{ tag: 1030, value: 'Товар €' }])).toMatchObject({
      ok: false,
      error: { code: 'not-cp866', tag: 1030 },
    });
    expect(encodeFields([{ tag: 1020, value: 'сто' }])).toMatchObject({
      ok: false,
      error: { code: 'bad-type', tag: 1020 },
    });
    expect(encodeFields([{ tag: 1054, value: 300 }])).toMatchObject({
      ok: false,
      error: { code: 'out-of-range' },
    });
    expect(encodeFields([{ tag: 12345, value: 5 }])).toMatchObject({
      ok: false,
      error: { code: 'bad-type' },
    });
  });

  it('limits nesting depth', () => {
    let bytes = fromHex('1e040100ff')!; // 1054 = 255
    for (let i = 0; i < 12; i++) {
      const wrap = new Uint8Array(4 + bytes.length);
      wrap.set([0x23, 0x04, bytes.length & 0xff, bytes.length >> 8]);
      wrap.set(bytes, 4);
      bytes = wrap;
    }
    const r = decodeFields(bytes);
    expect(!r.ok && r.error.code).toBe('too-deep');
  });
});
