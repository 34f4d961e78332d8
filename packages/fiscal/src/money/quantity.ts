/**
 * Exact decimals for quantities (and FVLN values): mantissa and number of digits after the
 * point. Never a binary float.
 */
export interface Decimal {
  readonly mantissa: bigint;
  readonly scale: number;
}

const DECIMAL_RE = /^(\d+)(?:\.(\d+))?$/;

/** Parses "1", "0.844", "12.500" (the scale is kept as written). */
export function parseDecimal(text: string): Decimal | undefined {
  const m = DECIMAL_RE.exec(text.trim());
  if (!m) return undefined;
  const frac = m[2] ?? '';
  if (frac.length > 255) return undefined;
  return { mantissa: BigInt(m[1]! + frac), scale: frac.length };
}

/** A JSON number such as 0.844 to an exact decimal, via its shortest decimal text. */
export function decimalFromNumber(n: number): Decimal | undefined {
  if (!Number.isFinite(n) || n < 0) return undefined;
  let text = String(n);
  if (/e/i.test(text)) {
    // Small or huge numbers: fall back to fixed notation with enough digits, then trim.
    text = n.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
  }
  return parseDecimal(text);
}

export function formatDecimal(d: Decimal): string {
  const s = d.mantissa.toString();
  if (d.scale === 0) return s;
  const padded = s.padStart(d.scale + 1, '0');
  return `${padded.slice(0, padded.length - d.scale)}.${padded.slice(padded.length - d.scale)}`;
}

/** Closest JS number, for display and FNS JSON only. */
export function decimalToNumber(d: Decimal): number {
  return Number(formatDecimal(d));
}

export function decimalsEqual(a: Decimal, b: Decimal): boolean {
  return a.mantissa === b.mantissa && a.scale === b.scale;
}

/** Same value, possibly different scale (1.50 == 1.5). */
export function decimalsSameValue(a: Decimal, b: Decimal): boolean {
  const s = Math.max(a.scale, b.scale);
  return a.mantissa * 10n ** BigInt(s - a.scale) === b.mantissa * 10n ** BigInt(s - b.scale);
}
