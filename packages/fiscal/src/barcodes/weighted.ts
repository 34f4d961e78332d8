import { err, ok, type Result } from '../result.js';
import type { Decimal } from '../money/quantity.js';
import { ean13CheckDigit, isValidEan13, itemCodeCheckDigit } from './ean13.js';

/**
 * In-store EAN-13 codes (prefixes 20–29). A layout is a 13-character mask over the barcode:
 * P prefix, T item code, k check digit of the item code, W weight in grams, N pieces,
 * C cost in kopecks, K the EAN check digit. The common Russian one is "PPTTTTTWWWWWK".
 */
export interface WeightedLayout {
  /** Two-digit prefixes this layout applies to, e.g. ["21", "22"]. */
  readonly prefixes: readonly string[];
  readonly mask: string;
}

export type WeightedBarcode =
  | { readonly kind: 'ordinary'; readonly code: string }
  | {
      readonly kind: 'in-store';
      readonly code: string;
      readonly prefix: string;
      readonly itemCode: string;
      /** Kilograms with three decimals (from W), or pieces (from N). */
      readonly quantity?: Decimal;
      readonly unit?: 'kg' | 'pcs';
      /** Kopecks printed on the label (from C). */
      readonly amount?: number;
    };

export type BarcodeErrorCode =
  'bad-format' | 'bad-check-digit' | 'bad-item-check' | 'zero-quantity' | 'bad-layout';

export interface BarcodeError {
  readonly code: BarcodeErrorCode;
  readonly message: string;
}

export function validateLayout(l: WeightedLayout): string | undefined {
  if (l.mask.length !== 13) return `mask "${l.mask}" must have 13 characters`;
  if (!/^PP[TkWNCK]{10}K$/.test(l.mask))
    return `mask "${l.mask}" must start with PP, end with K and use only T, k, W, N, C`;
  if (!l.mask.includes('T')) return `mask "${l.mask}" has no item code (T)`;
  const groups = l.mask.slice(2, 12).match(/(.)\1*/g) ?? [];
  const seen = new Set<string>();
  for (const g of groups) {
    if (seen.has(g[0]!)) return `mask "${l.mask}" splits field ${g[0]} into pieces`;
    seen.add(g[0]!);
  }
  if (['W', 'N', 'C'].filter((c) => seen.has(c)).length > 1)
    return `mask "${l.mask}" mixes weight, pieces and cost`;
  for (const p of l.prefixes) if (!/^2\d$/.test(p)) return `prefix "${p}" is not an in-store prefix 20–29`;
  return undefined;
}

function field(code: string, mask: string, ch: string): string {
  let s = '';
  for (let i = 0; i < 13; i++) if (mask[i] === ch) s += code.charAt(i);
  return s;
}

/** Decodes a scanned EAN-13 against the store's layouts; other codes come back as ordinary. */
export function parseWeightedBarcode(
  code: string,
  layouts: readonly WeightedLayout[],
): Result<WeightedBarcode, BarcodeError> {
  if (!/^\d{13}$/.test(code)) return err({ code: 'bad-format', message: `"${code}" is not 13 digits` });
  if (!isValidEan13(code)) {
    return err({
      code: 'bad-check-digit',
      message: `check digit of ${code} should be ${ean13CheckDigit(code.slice(0, 12))}`,
    });
  }
  const prefix = code.slice(0, 2);
  const layout = layouts.find((l) => l.prefixes.includes(prefix));
  if (!layout) return ok({ kind: 'ordinary', code });
  const bad = validateLayout(layout);
  if (bad) return err({ code: 'bad-layout', message: bad });
  const itemCode = field(code, layout.mask, 'T');
  const k = field(code, layout.mask, 'k');
  if (k !== '' && itemCodeCheckDigit(itemCode) !== Number(k)) {
    return err({
      code: 'bad-item-check',
      message: `item code ${itemCode} check digit should be ${itemCodeCheckDigit(itemCode)}`,
    });
  }
  const w = field(code, layout.mask, 'W');
  const n = field(code, layout.mask, 'N');
  const c = field(code, layout.mask, 'C');
  const base = { kind: 'in-store' as const, code, prefix, itemCode };
  if (w !== '') {
    if (Number(w) === 0)
      return err({ code: 'zero-quantity', message: `barcode ${code} carries zero weight` });
    return ok({ ...base, quantity: { mantissa: BigInt(w), scale: 3 }, unit: 'kg' });
  }
  if (n !== '') {
    if (Number(n) === 0)
      return err({ code: 'zero-quantity', message: `barcode ${code} carries zero pieces` });
    return ok({ ...base, quantity: { mantissa: BigInt(n), scale: 0 }, unit: 'pcs' });
  }
  if (c !== '') {
    if (Number(c) === 0)
      return err({ code: 'zero-quantity', message: `barcode ${code} carries a zero amount` });
    return ok({ ...base, amount: Number(c) });
  }
  return ok(base);
}

/** Builds a label barcode (what a scale prints) from a layout and values. */
export function buildWeightedBarcode(
  layout: WeightedLayout,
  prefix: string,
  itemCode: string,
  value: { grams?: number; pieces?: number; kopecks?: number },
): Result<string, BarcodeError> {
  const bad = validateLayout(layout);
  if (bad) return err({ code: 'bad-layout', message: bad });
  const widths: Record<string, number> = {};
  for (const ch of layout.mask) widths[ch] = (widths[ch] ?? 0) + 1;
  const put = (ch: string, n: number | string | undefined): string | undefined => {
    const w = widths[ch] ?? 0;
    if (w === 0) return '';
    const s = String(n ?? '');
    return /^\d+$/.test(s) && s.length <= w ? s.padStart(w, '0') : undefined;
  };
  const t = put('T', itemCode);
  const parts: Record<string, string | undefined> = {
    P: /^2\d$/.test(prefix) ? prefix : undefined,
    T: t,
    k: widths.k ? (t !== undefined ? String(itemCodeCheckDigit(t)) : undefined) : '',
    W: put('W', value.grams),
    N: put('N', value.pieces),
    C: put('C', value.kopecks),
  };
  const bad2 = Object.entries(parts).find(([ch, v]) => v === undefined && (widths[ch] ?? 0) > 0);
  if (bad2)
    return err({
      code: 'bad-format',
      message: `value for ${bad2[0]} does not fit the layout ${layout.mask}`,
    });
  let out = '';
  const cursor: Record<string, number> = {};
  for (const ch of layout.mask.slice(0, 12)) {
    const i = cursor[ch] ?? 0;
    out += parts[ch]!.charAt(i);
    cursor[ch] = i + 1;
  }
  return ok(out + String(ean13CheckDigit(out)));
}
