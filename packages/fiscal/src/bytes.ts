/** Byte helpers shared by the codecs. Pure: Uint8Array only, no Buffer. */

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const HEX = '0123456789abcdef';

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += HEX[b >> 4]! + HEX[b & 15]!;
  return s;
}

/** Parses hex text; whitespace is ignored. Returns undefined when the text is not hex. */
export function fromHex(text: string): Uint8Array | undefined {
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return undefined;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function readU16LE(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}

export function writeU16LE(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
}

/** Unsigned little-endian integer of any width up to 8 bytes; undefined past 2^53-1. */
export function readUIntLE(b: Uint8Array): number | undefined {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
}

/** Unsigned little-endian bytes of `v`, minimal length unless `width` is given. */
export function writeUIntLE(v: number | bigint, width?: number): Uint8Array {
  let x = BigInt(v);
  const out: number[] = [];
  while (x > 0n) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
  }
  if (width !== undefined) {
    if (out.length > width) throw new RangeError(`value ${v} does not fit in ${width} bytes`);
    while (out.length < width) out.push(0);
  }
  return Uint8Array.from(out);
}

export function readUIntBE(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}
