import { describe, expect, it } from 'vitest';
import type { FiscalDocument } from '../documents/document.js';
import { sampleReceipt } from '../test-support/documents.js';
import type { Field } from '../tlv/codec.js';
import { checkDocument, type FlkCode } from './flk.js';

type Edit = (fields: Field[]) => Field[];

const without =
  (tag: number): Edit =>
  (f) =>
    f.filter((x) => x.tag !== tag);
const set =
  (tag: number, value: Field['value']): Edit =>
  (f) =>
    f.map((x) => (x.tag === tag ? { tag, value } : x));
const editItem =
  (n: number, edit: Edit): Edit =>
  (f) => {
    let i = 0;
    return f.map((x) =>
      x.tag === 1059 && i++ === n ? { tag: 1059, value: edit([...(x.value as Field[])]) } : x,
    );
  };
const add =
  (field: Field): Edit =>
  (f) => [...f, field];

function apply(doc: FiscalDocument, edit: Edit): FiscalDocument {
  return { form: doc.form, fields: edit([...doc.fields]) };
}

describe('ФЛК passes correct documents', () => {
  for (const v of ['1.05', '1.2'] as const) {
    it(`a correct FFD ${v} receipt`, () => {
      const r = checkDocument(sampleReceipt(v));
      expect(r.violations).toEqual([]);
      expect(r.warnings).toEqual([]);
      expect(r.ok).toBe(true);
      expect(r.ffd).toBe(v);
    });
  }
});

// Each broken document and the one violation (code and tag) ФЛК must report for it.
const BROKEN: readonly { name: string; ffd: '1.05' | '1.2'; edit: Edit; code: FlkCode; tag: number }[] = [
  { name: 'no ФПД', ffd: '1.05', edit: without(1077), code: 'missing-tag', tag: 1077 },
  { name: 'no shift number', ffd: '1.2', edit: without(1038), code: 'missing-tag', tag: 1038 },
  { name: 'no FFD version (1.05)', ffd: '1.05', edit: set(1209, 9), code: 'unknown-ffd-version', tag: 1209 },
  { name: 'no place of settlement in 1.2', ffd: '1.2', edit: without(1187), code: 'missing-tag', tag: 1187 },
  {
    name: 'item without name',
    ffd: '1.05',
    edit: editItem(0, without(1030)),
    code: 'missing-tag',
    tag: 1030,
  },
  {
    name: 'item without payment method',
    ffd: '1.2',
    edit: editItem(1, without(1214)),
    code: 'missing-tag',
    tag: 1214,
  },
  {
    name: 'item sum ≠ price × quantity',
    ffd: '1.05',
    edit: editItem(1, set(1079, 90000)),
    code: 'item-sum-mismatch',
    tag: 1043,
  },
  {
    name: 'weighted item sum off by 2 kopecks',
    ffd: '1.2',
    edit: (f) => editItem(1, set(1043, 31018))(set(1020, 48998)(set(1081, 38998)(f))),
    code: 'item-sum-mismatch',
    tag: 1043,
  },
  {
    name: 'total ≠ Σ items',
    ffd: '1.05',
    edit: (f) => set(1020, 50000)(set(1081, 40000)(f)),
    code: 'total-items-mismatch',
    tag: 1020,
  },
  {
    name: 'total ≠ Σ payments',
    ffd: '1.2',
    edit: set(1031, 9000),
    code: 'total-payments-mismatch',
    tag: 1020,
  },
  {
    name: 'item VAT wrong for its rate',
    ffd: '1.05',
    edit: editItem(0, set(1200, 1800)),
    code: 'item-vat-mismatch',
    tag: 1200,
  },
  {
    name: 'receipt VAT 10% wrong',
    ffd: '1.05',
    edit: set(1103, 2000),
    code: 'receipt-vat-mismatch',
    tag: 1103,
  },
  { name: 'receipt VAT 22% missing', ffd: '1.2', edit: without(1102), code: 'missing-tag', tag: 1102 },
  {
    name: 'VAT for a rate no item has',
    ffd: '1.05',
    edit: add({ tag: 1105, value: 500 }),
    code: 'receipt-vat-mismatch',
    tag: 1105,
  },
  {
    name: 'unknown VAT rate code',
    ffd: '1.2',
    edit: editItem(0, set(1199, 13)),
    code: 'bad-value',
    tag: 1199,
  },
  { name: 'operation type 5', ffd: '1.05', edit: set(1054, 5), code: 'bad-value', tag: 1054 },
  { name: 'two taxation systems in 1055', ffd: '1.05', edit: set(1055, 3), code: 'bad-value', tag: 1055 },
  {
    name: 'ФН number of 15 characters',
    ffd: '1.2',
    edit: set(1041, '999907890000136'),
    code: 'bad-length',
    tag: 1041,
  },
  {
    name: 'ФН number with letters',
    ffd: '1.05',
    edit: set(1041, '99990789000013AB'),
    code: 'bad-value',
    tag: 1041,
  },
  { name: 'INN of letters', ffd: '1.05', edit: set(1018, 'ABCDEFGHIJ  '), code: 'bad-value', tag: 1018 },
  { name: 'unpadded user INN', ffd: '1.2', edit: set(1018, '7700000000'), code: 'bad-length', tag: 1018 },
  {
    name: 'cashier name over 64 characters',
    ffd: '1.05',
    edit: set(1021, 'К'.repeat(65)),
    code: 'bad-length',
    tag: 1021,
  },
  {
    name: 'ФПД of 5 bytes',
    ffd: '1.2',
    edit: set(1077, Uint8Array.of(1, 2, 3, 4, 5)),
    code: 'bad-length',
    tag: 1077,
  },
  {
    name: 'FFD 1.2 tag in a 1.05 receipt',
    ffd: '1.05',
    edit: add({ tag: 1256, value: [] }),
    code: 'tag-not-in-version',
    tag: 1256,
  },
  {
    name: 'FFD 1.05 tag in a 1.2 receipt',
    ffd: '1.2',
    edit: add({ tag: 1057, value: 0 }),
    code: 'tag-not-in-version',
    tag: 1057,
  },
  {
    name: 'bad measure of quantity',
    ffd: '1.2',
    edit: editItem(0, set(2108, 99)),
    code: 'bad-value',
    tag: 2108,
  },
];

describe('ФЛК finds each seeded violation', () => {
  for (const b of BROKEN) {
    it(`${b.name} (FFD ${b.ffd})`, () => {
      const r = checkDocument(apply(sampleReceipt(b.ffd), b.edit));
      expect(r.ok).toBe(false);
      expect(r.violations.map((v) => [v.code, v.tag])).toEqual([[b.code, b.tag]]);
      expect(r.violations[0]!.message).toMatch(
        String(b.tag === 1020 ? 'total' : b.tag === 1209 ? 'version' : b.tag).slice(0, 4),
      );
    });
  }

  it('lists every violation of a document with many faults, with paths into items', () => {
    const doc = apply(sampleReceipt('1.2'), (f) =>
      editItem(1, (i) => set(1079, 1)(without(1030)(i)))(without(1040)(set(1031, 1)(f))),
    );
    const r = checkDocument(doc);
    expect(r.violations.map((v) => v.code).sort()).toEqual(
      ['item-sum-mismatch', 'missing-tag', 'missing-tag', 'total-payments-mismatch'].sort(),
    );
    const nameMissing = r.violations.find((v) => v.tag === 1030)!;
    expect(nameMissing.path).toEqual([3, 1059, 2, 1030]);
  });
});

describe('ФЛК of other forms', () => {
  const signed: Field[] = [
    { tag: 1209, value: 2 },
    { tag: 1012, value: 1795000000 },
    { tag: 1040, value: 5 },
    { tag: 1041, value: '9999078900001366' },
    { tag: 1077, value: new Uint8Array(6) },
    { tag: 1037, value: '0000000001012345    ' },
    { tag: 1018, value: '7700000000  ' },
  ];
  it('close shift needs receipt and document counts', () => {
    const doc: FiscalDocument = {
      form: 5,
      fields: [...signed, { tag: 1038, value: 3 }, { tag: 1118, value: 10 }],
    };
    expect(checkDocument(doc).violations.map((v) => v.tag)).toEqual([1111]);
  });
  it('FFD 1.2 close shift needs the counters', () => {
    const doc: FiscalDocument = {
      form: 5,
      fields: [
        ...signed.map((f) => (f.tag === 1209 ? { tag: 1209, value: 4 } : f)),
        { tag: 1038, value: 3 },
        { tag: 1118, value: 10 },
        { tag: 1111, value: 12 },
      ],
    };
    expect(checkDocument(doc).violations.map((v) => v.tag)).toEqual([1213, 1194, 1157]);
  });
  it('current state report with unsent documents needs the date of the first', () => {
    const doc: FiscalDocument = { form: 21, fields: [...signed, { tag: 1097, value: 4 }] };
    expect(checkDocument(doc).violations.map((v) => v.tag)).toEqual([1098]);
  });
  it('correction receipt needs its basis', () => {
    const doc: FiscalDocument = {
      form: 31,
      fields: [
        ...signed,
        { tag: 1042, value: 1 },
        { tag: 1038, value: 1 },
        { tag: 1054, value: 1 },
        { tag: 1020, value: 100 },
        { tag: 1031, value: 100 },
      ],
    };
    expect(checkDocument(doc).violations.map((v) => v.tag)).toEqual([1174]);
  });
});
