import type { Decimal } from './quantity.js';

/** Money is an integer number of kopecks. */
export type Kopecks = number;

export function isKopecks(v: unknown): v is Kopecks {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

/** "1234.5" / "1234.50" / "1234" roubles → kopecks; undefined for anything else. */
export function parseRoubles(text: string): Kopecks | undefined {
  const m = /^(-?)(\d+)(?:[.,](\d{1,2}))?$/.exec(text.trim());
  if (!m) return undefined;
  const kop = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  if (!Number.isSafeInteger(kop)) return undefined;
  return m[1] === '-' ? -kop : kop;
}

/** Kopecks → "1234.50" (dot, two decimals), as in QR codes and FNS services. */
export function formatRoubles(kop: Kopecks): string {
  const sign = kop < 0 ? '-' : '';
  const a = Math.abs(kop);
  return `${sign}${Math.trunc(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

/** Integer division rounding half away from zero, on bigints. */
export function divRoundHalfUp(num: bigint, den: bigint): bigint {
  if (den <= 0n) throw new RangeError('denominator must be positive');
  const neg = num < 0n;
  const a = neg ? -num : num;
  const q = (a * 2n + den) / (den * 2n);
  return neg ? -q : q;
}

/** price (kopecks per unit) × quantity, rounded half up to whole kopecks. */
export function lineAmount(price: Kopecks, quantity: Decimal): Kopecks {
  return Number(divRoundHalfUp(BigInt(price) * quantity.mantissa, 10n ** BigInt(quantity.scale)));
}

/**
 * Exact comparison of price × quantity against an amount: returns the difference
 * (amount − price × quantity) as a fraction numerator over 10^scale, so callers can apply
 * tolerance rules without rounding twice.
 */
export function lineAmountDelta(
  price: Kopecks,
  quantity: Decimal,
  amount: Kopecks,
): { num: bigint; den: bigint } {
  const den = 10n ** BigInt(quantity.scale);
  return { num: BigInt(amount) * den - BigInt(price) * quantity.mantissa, den };
}

/** Splits `total` into parts proportional to `weights`, largest-remainder, summing exactly. */
export function allocate(total: Kopecks, weights: readonly number[]): Kopecks[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (weights.length === 0) return [];
  if (sum <= 0) throw new RangeError('weights must have a positive sum');
  const raw = weights.map((w) => (BigInt(total) * BigInt(w)) / BigInt(sum));
  const parts = raw.map(Number);
  let rest = total - parts.reduce((a, b) => a + b, 0);
  const order = weights
    .map((w, i) => ({ i, rem: (BigInt(total) * BigInt(w)) % BigInt(sum) }))
    .sort((a, b) => (a.rem === b.rem ? a.i - b.i : a.rem > b.rem ? -1 : 1));
  for (let k = 0; rest > 0; k = (k + 1) % order.length, rest--) parts[order[k]!.i]! += 1;
  return parts;
}
