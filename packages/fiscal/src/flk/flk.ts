import {
  childrenOf,
  decimalOf,
  documentFfdVersion,
  findAll,
  numberOf,
  type FiscalDocument,
} from '../documents/document.js';
import { lineAmountDelta } from '../money/money.js';
import { formatDecimal } from '../money/quantity.js';
import { vatIncluded, vatRateInfo } from '../money/vat.js';
import { ffdVersionFromCode, tagDef, type FfdVersion } from '../tags/dictionary.js';
import { isDecimal, isFieldList, type Field } from '../tlv/codec.js';

/**
 * Format-logical checks (ФЛК) per form and FFD version: required tags, value domains and
 * lengths, item sum = price × quantity, receipt total = Σ items = Σ payments, VAT consistent
 * with rates. Every violation is listed; nothing stops at the first.
 */
export type FlkCode =
  | 'missing-tag'
  | 'unknown-ffd-version'
  | 'tag-not-in-version'
  | 'bad-length'
  | 'bad-value'
  | 'item-sum-mismatch'
  | 'total-items-mismatch'
  | 'total-payments-mismatch'
  | 'item-vat-mismatch'
  | 'receipt-vat-mismatch';

export interface FlkViolation {
  readonly code: FlkCode;
  readonly tag: number;
  /** Tags from the document down to the element (items are numbered: [3, 1059, 2] is item 2). */
  readonly path: readonly number[];
  readonly message: string;
}

export interface FlkResult {
  readonly ok: boolean;
  readonly ffd: FfdVersion | undefined;
  readonly violations: readonly FlkViolation[];
  /** Accepted but unusual: non-minimal widths whose value fits, space-padded test ФН numbers. */
  readonly warnings: readonly FlkViolation[];
}

interface Required {
  readonly base: readonly number[];
  readonly from105?: readonly number[];
  readonly only105?: readonly number[];
  readonly from12?: readonly number[];
}

const SIGNED = [1012, 1040, 1041, 1077];
const RECEIPT: Required = {
  base: [...SIGNED, 1042, 1038, 1054, 1037, 1059, 1020],
  from105: [1209],
  from12: [1009, 1187],
};
const CORRECTION: Required = {
  base: [...SIGNED, 1042, 1038, 1054, 1037, 1174, 1020],
  from105: [1209],
  from12: [1059, 1009, 1187],
};
const REGISTRATION: Required = { base: [...SIGNED, 1037, 1018, 1062, 1048, 1009], from105: [1209, 1189] };

const REQUIRED: Partial<Record<number, Required>> = {
  1: REGISTRATION,
  11: { ...REGISTRATION, only105: [1101], from12: [1205] },
  2: { base: [...SIGNED, 1038, 1037, 1018], from105: [1209, 1188, 1189] },
  3: RECEIPT,
  4: RECEIPT,
  5: { base: [...SIGNED, 1038, 1037, 1018, 1118, 1111], from105: [1209], from12: [1213, 1194, 1157] },
  6: { base: [...SIGNED, 1037, 1018], from105: [1209] },
  21: { base: [...SIGNED, 1037, 1097], from105: [1209] },
  31: CORRECTION,
  41: CORRECTION,
  7: { base: [1017, 1041, 1040, 1012, 1078] },
};

/** Item (1059) tags a format-valid item must carry. */
const ITEM_REQUIRED: Record<'1.0' | '1.05' | '1.2', readonly number[]> = {
  '1.0': [1030, 1079, 1023, 1043],
  '1.05': [1030, 1079, 1023, 1043, 1199, 1214],
  '1.2': [1030, 1079, 1023, 1043, 1199, 1214, 1212],
};

const FLAG_TAGS = [1001, 1002, 1050, 1051, 1052, 1053, 1056, 1108, 1109, 1110, 1126, 1193, 1207, 1221, 2107];
const ENUMS: Record<number, (n: number) => boolean> = {
  1054: (n) => n >= 1 && n <= 4,
  1055: (n) => [1, 2, 4, 8, 16, 32].includes(n),
  1062: (n) => n > 0 && (n & ~63) === 0,
  1199: (n) => vatRateInfo(n) !== undefined,
  1214: (n) => n >= 1 && n <= 7,
  1212: (n) => (n >= 1 && n <= 27) || (n >= 30 && n <= 33),
  1189: (n) => n >= 1 && n <= 4,
  1190: (n) => n >= 1 && n <= 4,
  1173: (n) => n === 0 || n === 1,
  2102: (n) => n === 0,
  2108: (n) =>
    [0, 10, 11, 12, 20, 21, 22, 30, 31, 32, 40, 41, 42, 50, 51, 70, 71, 72, 73, 80, 81, 82, 83, 255].includes(
      n,
    ),
};
for (const t of FLAG_TAGS) ENUMS[t] = (n) => n === 0 || n === 1;

const INN_TAGS = new Set([1016, 1017, 1018, 1203, 1226, 1228]);
const RECEIPT_FORMS = new Set([3, 4, 31, 41]);
const PAYMENT_TAGS = [1031, 1081, 1215, 1216, 1217];

function rulesFor(form: number, ffd: FfdVersion): number[] {
  const r = REQUIRED[form];
  if (!r) return [];
  const out = [...r.base];
  if (ffd !== '1.0') out.push(...(r.from105 ?? []));
  if (ffd === '1.0' || ffd === '1.05' || ffd === '1.1') out.push(...(r.only105 ?? []));
  if (ffd === '1.2') out.push(...(r.from12 ?? []));
  return out;
}

export function checkDocument(doc: FiscalDocument): FlkResult {
  const v: FlkViolation[] = [];
  const w: FlkViolation[] = [];
  const code1209 = numberOf(doc.fields, 1209);
  let ffd = documentFfdVersion(doc);
  if (!ffd) {
    v.push({
      code: 'unknown-ffd-version',
      tag: 1209,
      path: [doc.form, 1209],
      message: `FFD version code ${code1209} is unknown`,
    });
    ffd = '1.05';
  }
  const root = [doc.form];
  for (const tag of rulesFor(doc.form, ffd)) {
    if (!doc.fields.some((f) => f.tag === tag)) {
      v.push({
        code: 'missing-tag',
        tag,
        path: [...root, tag],
        message: `required tag ${tag} (${tagDef(tag)?.name ?? '?'}) is missing`,
      });
    }
  }
  checkValues(doc.fields, root, ffd, RECEIPT_FORMS.has(doc.form), v, w);
  if (doc.form === 21 && (numberOf(doc.fields, 1097) ?? 0) > 0 && numberOf(doc.fields, 1098) === undefined) {
    v.push({
      code: 'missing-tag',
      tag: 1098,
      path: [...root, 1098],
      message: 'unsent documents are counted (1097 > 0) but the date of the first (1098) is missing',
    });
  }
  if (RECEIPT_FORMS.has(doc.form)) checkReceipt(doc, ffd, v);
  return { ok: v.length === 0, ffd: ffdVersionFromCode(code1209), violations: v, warnings: w };
}

function checkValues(
  fields: readonly Field[],
  path: readonly number[],
  ffd: FfdVersion,
  versioned: boolean,
  v: FlkViolation[],
  w: FlkViolation[],
): void {
  for (const f of fields) {
    const def = tagDef(f.tag);
    const p = [...path, f.tag];
    if (!def) continue;
    if (versioned && def.only === '1.2' && ffd !== '1.2') {
      v.push({
        code: 'tag-not-in-version',
        tag: f.tag,
        path: p,
        message: `tag ${f.tag} exists only from FFD 1.2, the document is FFD ${ffd}`,
      });
    }
    if (versioned && def.only === '≤1.05' && ffd === '1.2') {
      v.push({
        code: 'tag-not-in-version',
        tag: f.tag,
        path: p,
        message: `tag ${f.tag} was dropped in FFD 1.2`,
      });
    }
    const val = f.value;
    if (typeof val === 'string') {
      const len = val.length; // CP866 is one byte per character
      if (def.fixedLength !== undefined && len !== def.fixedLength) {
        v.push({
          code: 'bad-length',
          tag: f.tag,
          path: p,
          message: `tag ${f.tag} must be exactly ${def.fixedLength} characters, has ${len}`,
        });
      } else if (len > def.maxLength) {
        v.push({
          code: 'bad-length',
          tag: f.tag,
          path: p,
          message: `tag ${f.tag} is ${len} characters, at most ${def.maxLength} allowed`,
        });
      }
      if (INN_TAGS.has(f.tag) && !/^(\d{10}|\d{12})$/.test(val.trimEnd())) {
        v.push({
          code: 'bad-value',
          tag: f.tag,
          path: p,
          message: `tag ${f.tag} "${val}" is not a 10- or 12-digit INN`,
        });
      }
      if (f.tag === 1041 && !/^\d{16}$/.test(val)) {
        // Test drives pad short numbers with spaces; anything else is wrong.
        (/^\d+ *$/.test(val) ? w : v).push({
          code: 'bad-value',
          tag: f.tag,
          path: p,
          message: `tag 1041: ФН number "${val}" is not 16 digits`,
        });
      }
    } else if (val instanceof Uint8Array) {
      if (def.fixedLength !== undefined && val.length !== def.fixedLength && def.type === 'bytes') {
        v.push({
          code: 'bad-length',
          tag: f.tag,
          path: p,
          message: `tag ${f.tag} must be ${def.fixedLength} bytes, has ${val.length}`,
        });
      } else if (def.type === 'bytes' && val.length > def.maxLength) {
        v.push({
          code: 'bad-length',
          tag: f.tag,
          path: p,
          message: `tag ${f.tag} is ${val.length} bytes, at most ${def.maxLength}`,
        });
      }
    } else if (typeof val === 'number') {
      const check = ENUMS[f.tag];
      if (check && !check(val))
        v.push({
          code: 'bad-value',
          tag: f.tag,
          path: p,
          message: `tag ${f.tag} value ${val} is not allowed`,
        });
      if (def.type === 'vln' && f.length !== undefined && f.length > def.maxLength) {
        // The value decoded, so the extra high bytes were zero: a padded, not a too-large, number.
        w.push({
          code: 'bad-length',
          tag: f.tag,
          path: p,
          message: `tag ${f.tag} uses ${f.length} bytes, at most ${def.maxLength}`,
        });
        if (val >= 2 ** (8 * def.maxLength)) {
          v.push({
            code: 'bad-value',
            tag: f.tag,
            path: p,
            message: `tag ${f.tag} value ${val} exceeds ${def.maxLength} bytes`,
          });
        }
      }
    } else if (isFieldList(val)) {
      checkValues(val, p, ffd, versioned, v, w);
    } else if (isDecimal(val) && f.length !== undefined && f.length > def.maxLength) {
      w.push({
        code: 'bad-length',
        tag: f.tag,
        path: p,
        message: `tag ${f.tag} uses ${f.length} bytes, at most ${def.maxLength}`,
      });
    }
  }
}

interface ItemFacts {
  readonly sum: number;
  readonly rate?: number;
  readonly vat?: number;
}

function checkReceipt(doc: FiscalDocument, ffd: FfdVersion, v: FlkViolation[]): void {
  const root = [doc.form];
  const itemRules = ITEM_REQUIRED[ffd === '1.2' ? '1.2' : ffd === '1.0' ? '1.0' : '1.05'];
  const items: ItemFacts[] = [];
  findAll(doc.fields, 1059).forEach((item, i) => {
    const p = [...root, 1059, i + 1];
    const f = childrenOf(item) ?? [];
    for (const tag of itemRules) {
      if (!f.some((x) => x.tag === tag)) {
        v.push({
          code: 'missing-tag',
          tag,
          path: [...p, tag],
          message: `item ${i + 1}: required tag ${tag} (${tagDef(tag)?.name ?? '?'}) is missing`,
        });
      }
    }
    const price = numberOf(f, 1079);
    const qty = decimalOf(f, 1023);
    const sum = numberOf(f, 1043);
    if (price !== undefined && qty !== undefined && sum !== undefined) {
      const d = lineAmountDelta(price, qty, sum);
      const abs = d.num < 0n ? -d.num : d.num;
      if (abs >= d.den) {
        v.push({
          code: 'item-sum-mismatch',
          tag: 1043,
          path: [...p, 1043],
          message: `item ${i + 1}, tag 1043: sum ${sum} is not price ${price} × quantity ${formatDecimal(qty)} rounded to a kopeck`,
        });
      }
    }
    const rate = numberOf(f, 1199);
    const vat = numberOf(f, 1200);
    if (sum !== undefined && rate !== undefined && vat !== undefined) {
      const expected = vatIncluded(sum, rate);
      if (expected !== undefined && Math.abs(expected - vat) > 1) {
        v.push({
          code: 'item-vat-mismatch',
          tag: 1200,
          path: [...p, 1200],
          message: `item ${i + 1}, tag 1200: VAT ${vat} should be ${expected} for sum ${sum} at rate code ${rate}`,
        });
      }
    }
    if (sum !== undefined)
      items.push({ sum, ...(rate !== undefined && { rate }), ...(vat !== undefined && { vat }) });
  });

  const total = numberOf(doc.fields, 1020);
  if (total === undefined) return;
  const hasItems = findAll(doc.fields, 1059).length > 0;
  const itemsTotal = items.reduce((a, b) => a + b.sum, 0);
  if (hasItems && itemsTotal !== total) {
    v.push({
      code: 'total-items-mismatch',
      tag: 1020,
      path: [...root, 1020],
      message: `total ${total} differs from the sum of items ${itemsTotal}`,
    });
  }
  const payments = PAYMENT_TAGS.reduce((a, t) => a + (numberOf(doc.fields, t) ?? 0), 0);
  if (payments !== total) {
    v.push({
      code: 'total-payments-mismatch',
      tag: 1020,
      path: [...root, 1020],
      message: `total ${total} differs from the payments ${payments} (1031+1081+1215+1216+1217)`,
    });
  }
  checkReceiptVat(doc, items, v);
}

/** Receipt-level VAT tags agree with the items' rates (skipped when items carry no rate, FFD 1.0). */
function checkReceiptVat(doc: FiscalDocument, items: readonly ItemFacts[], v: FlkViolation[]): void {
  // Without rates (FFD 1.0) or with an invalid one (reported on the item) there is nothing to judge.
  if (!items.some((i) => i.rate !== undefined)) return;
  if (items.some((i) => i.rate !== undefined && !vatRateInfo(i.rate))) return;
  const groups = new Map<number, { amount: boolean; sums: number[]; vats: number[] }>();
  for (const it of items) {
    const info = it.rate !== undefined ? vatRateInfo(it.rate) : undefined;
    if (!info?.receiptTag) continue;
    const g = groups.get(info.receiptTag) ?? {
      amount: info.receiptTagHoldsAmount === true,
      sums: [],
      vats: [],
    };
    g.sums.push(it.sum);
    g.vats.push(it.vat ?? vatIncluded(it.sum, it.rate!) ?? 0);
    groups.set(info.receiptTag, g);
  }
  for (const tag of [1102, 1103, 1104, 1105, 1106, 1107]) {
    const declared = numberOf(doc.fields, tag);
    const g = groups.get(tag);
    const p = [doc.form, tag];
    if (!g) {
      if (declared !== undefined && declared !== 0) {
        v.push({
          code: 'receipt-vat-mismatch',
          tag,
          path: p,
          message: `tag ${tag} is ${declared} but no item has its VAT rate`,
        });
      }
      continue;
    }
    const sumOfSums = g.sums.reduce((a, b) => a + b, 0);
    if (declared === undefined) {
      v.push({
        code: 'missing-tag',
        tag,
        path: p,
        message: `items at this VAT rate total ${sumOfSums} but tag ${tag} is missing`,
      });
      continue;
    }
    if (g.amount) {
      if (declared !== sumOfSums)
        v.push({
          code: 'receipt-vat-mismatch',
          tag,
          path: p,
          message: `tag ${tag} is ${declared}, items at this rate total ${sumOfSums}`,
        });
      continue;
    }
    const perItem = g.vats.reduce((a, b) => a + b, 0);
    // The ККТ may sum the items' VAT or take the VAT of the group's total; both are accepted.
    const rateCode = items.find(
      (i) => i.rate !== undefined && vatRateInfo(i.rate)?.receiptTag === tag,
    )!.rate!;
    const ofTotal = vatIncluded(sumOfSums, rateCode) ?? 0;
    if (Math.abs(declared - perItem) > 1 && Math.abs(declared - ofTotal) > 1) {
      v.push({
        code: 'receipt-vat-mismatch',
        tag,
        path: p,
        message: `tag ${tag} is ${declared}, the items' VAT is ${perItem}`,
      });
    }
  }
}
