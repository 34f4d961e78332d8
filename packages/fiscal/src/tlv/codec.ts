import { concatBytes, readU16LE, readUIntLE, toHex, writeU16LE, writeUIntLE } from '../bytes.js';
import { decodeCp866, encodeCp866 } from '../cp866.js';
import type { Decimal } from '../money/quantity.js';
import { err, ok, type Result } from '../result.js';
import { tagDef, type TagDef } from '../tags/dictionary.js';

/**
 * A decoded TLV element. `value` is typed by the dictionary: numbers for integer and time
 * types, Decimal for FVLN, string for CP866 text, Field[] for STLV, and Uint8Array for byte
 * arrays, unknown tags and tentative tags whose bytes did not parse.
 * `length` is set only when the bytes used a non-canonical width (e.g. an 8-byte VLN), so that
 * re-encoding reproduces them exactly.
 */
export type FieldValue = number | string | Uint8Array | Decimal | readonly Field[];

export interface Field {
  readonly tag: number;
  readonly value: FieldValue;
  readonly length?: number;
}

export type DecodeErrorCode =
  | 'truncated-header'
  | 'truncated-value'
  | 'value-too-large'
  | 'bad-fvln'
  | 'too-deep'
  | 'not-a-document'
  | 'trailing-bytes';

export interface DecodeError {
  readonly code: DecodeErrorCode;
  /** Byte offset of the offending element within the buffer given to the decoder. */
  readonly offset: number;
  readonly tag?: number;
  /** Tags from the document down to the offending element. */
  readonly path: readonly number[];
  readonly message: string;
}

export type EncodeErrorCode = 'bad-type' | 'out-of-range' | 'not-cp866' | 'too-long';

export interface EncodeError {
  readonly code: EncodeErrorCode;
  readonly tag: number;
  readonly path: readonly number[];
  readonly message: string;
}

const MAX_DEPTH = 8;

export function isDecimal(v: FieldValue): v is Decimal {
  return typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
}

export function isFieldList(v: FieldValue): v is readonly Field[] {
  return Array.isArray(v);
}

function fail(code: DecodeErrorCode, offset: number, path: readonly number[], message: string, tag?: number) {
  return err<DecodeError>({ code, offset, path, message, ...(tag !== undefined && { tag }) });
}

/** Decodes a sequence of TLVs filling `bytes` exactly. Never throws, never reads past it. */
export function decodeFields(
  bytes: Uint8Array,
  opts: { baseOffset?: number; path?: readonly number[] } = {},
): Result<Field[], DecodeError> {
  return decodeList(bytes, opts.baseOffset ?? 0, opts.path ?? []);
}

function decodeList(bytes: Uint8Array, base: number, path: readonly number[]): Result<Field[], DecodeError> {
  if (path.length > MAX_DEPTH) return fail('too-deep', base, path, `nesting deeper than ${MAX_DEPTH} levels`);
  const out: Field[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < 4) {
      return fail(
        'truncated-header',
        base + at,
        path,
        `${bytes.length - at} byte(s) left where a 4-byte tag header is needed`,
      );
    }
    const tag = readU16LE(bytes, at);
    const len = readU16LE(bytes, at + 2);
    if (at + 4 + len > bytes.length) {
      return fail(
        'truncated-value',
        base + at,
        path,
        `tag ${tag} declares ${len} value bytes but only ${bytes.length - at - 4} remain`,
        tag,
      );
    }
    const value = bytes.subarray(at + 4, at + 4 + len);
    const field = decodeValue(tag, value, base + at + 4, [...path, tag]);
    if (!field.ok) return field;
    out.push(field.value);
    at += 4 + len;
  }
  return ok(out);
}

function decodeValue(
  tag: number,
  v: Uint8Array,
  offset: number,
  path: readonly number[],
): Result<Field, DecodeError> {
  const def = tagDef(tag);
  if (!def) return ok({ tag, value: v.slice() });
  const r = decodeTyped(def, v, offset, path);
  if (!r.ok && def.tentative) return ok({ tag, value: v.slice() });
  return r;
}

function canonicalWidth(def: TagDef, value: FieldValue): number | undefined {
  switch (def.type) {
    case 'byte':
      return 1;
    case 'u16':
      return 2;
    case 'u32':
    case 'unixtime':
      return 4;
    case 'vln':
      return writeUIntLE(value as number).length;
    case 'fvln': {
      const d = value as Decimal;
      return 1 + writeUIntLE(d.mantissa).length;
    }
    case 'string':
    case 'bytes':
    case 'stlv':
      return undefined;
  }
}

function decodeTyped(
  def: TagDef,
  v: Uint8Array,
  offset: number,
  path: readonly number[],
): Result<Field, DecodeError> {
  const tag = def.tag;
  let value: FieldValue;
  switch (def.type) {
    case 'byte':
    case 'u16':
    case 'u32':
    case 'unixtime':
    case 'vln': {
      const n = v.length <= 8 ? readUIntLE(v) : undefined;
      if (n === undefined) {
        return fail(
          'value-too-large',
          offset,
          path,
          `tag ${tag} (${def.type}) value of ${v.length} bytes is out of range`,
          tag,
        );
      }
      value = n;
      break;
    }
    case 'fvln': {
      if (v.length < 1)
        return fail(
          'bad-fvln',
          offset,
          path,
          `tag ${tag} (FVLN) is empty: the decimal-point byte is missing`,
          tag,
        );
      if (v.length > 9)
        return fail('value-too-large', offset, path, `tag ${tag} (FVLN) has ${v.length} bytes`, tag);
      let m = 0n;
      for (let i = v.length - 1; i >= 1; i--) m = (m << 8n) | BigInt(v[i]!);
      value = { mantissa: m, scale: v[0]! };
      break;
    }
    case 'string':
      value = decodeCp866(v);
      break;
    case 'bytes':
      value = v.slice();
      break;
    case 'stlv': {
      const inner = decodeList(v, offset, path);
      if (!inner.ok) return inner;
      value = inner.value;
      break;
    }
  }
  const canon = canonicalWidth(def, value);
  return ok(canon !== undefined && canon !== v.length ? { tag, value, length: v.length } : { tag, value });
}

function encodeFail(code: EncodeErrorCode, tag: number, path: readonly number[], message: string) {
  return err<EncodeError>({ code, tag, path, message });
}

/** Encodes fields to TLV bytes, in the given order. */
export function encodeFields(
  fields: readonly Field[],
  path: readonly number[] = [],
): Result<Uint8Array, EncodeError> {
  const parts: Uint8Array[] = [];
  for (const f of fields) {
    const r = encodeField(f, path);
    if (!r.ok) return r;
    parts.push(r.value);
  }
  return ok(concatBytes(parts));
}

export function encodeField(f: Field, path: readonly number[] = []): Result<Uint8Array, EncodeError> {
  const p = [...path, f.tag];
  if (!Number.isInteger(f.tag) || f.tag < 0 || f.tag > 0xffff) {
    return encodeFail('out-of-range', f.tag, p, `tag ${f.tag} is not a 16-bit tag number`);
  }
  const v = encodeValue(f, p);
  if (!v.ok) return v;
  if (v.value.length > 0xffff) {
    return encodeFail(
      'too-long',
      f.tag,
      p,
      `tag ${f.tag} value is ${v.value.length} bytes; a TLV holds at most 65535`,
    );
  }
  const out = new Uint8Array(4 + v.value.length);
  writeU16LE(out, 0, f.tag);
  writeU16LE(out, 2, v.value.length);
  out.set(v.value, 4);
  return ok(out);
}

function encodeValue(f: Field, path: readonly number[]): Result<Uint8Array, EncodeError> {
  const { tag, value } = f;
  if (value instanceof Uint8Array) return ok(value);
  if (Array.isArray(value)) return encodeFields(value, path);
  const def = tagDef(tag);
  if (!def) {
    return encodeFail(
      'bad-type',
      tag,
      path,
      `tag ${tag} is not in the dictionary; give its value as raw bytes`,
    );
  }
  switch (def.type) {
    case 'byte':
    case 'u16':
    case 'u32':
    case 'unixtime':
    case 'vln': {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        return encodeFail(
          'bad-type',
          tag,
          path,
          `tag ${tag} (${def.type}) needs a non-negative integer, got ${describe(value)}`,
        );
      }
      const limit = {
        byte: 0xff,
        u16: 0xffff,
        u32: 0xffffffff,
        unixtime: 0xffffffff,
        vln: Number.MAX_SAFE_INTEGER,
      }[def.type];
      if (value > limit && f.length === undefined) {
        return encodeFail(
          'out-of-range',
          tag,
          path,
          `tag ${tag} (${def.type}) value ${value} exceeds ${limit}`,
        );
      }
      const width = f.length ?? canonicalWidth(def, value);
      try {
        return ok(writeUIntLE(value, width));
      } catch {
        return encodeFail(
          'out-of-range',
          tag,
          path,
          `tag ${tag} value ${value} does not fit in ${width} bytes`,
        );
      }
    }
    case 'fvln': {
      if (typeof value !== 'object' || value instanceof Uint8Array || Array.isArray(value)) {
        return encodeFail('bad-type', tag, path, `tag ${tag} (FVLN) needs a decimal, got ${describe(value)}`);
      }
      const d = value as Decimal;
      if (d.scale < 0 || d.scale > 255 || d.mantissa < 0n) {
        return encodeFail('out-of-range', tag, path, `tag ${tag} (FVLN) decimal out of range`);
      }
      try {
        const m = writeUIntLE(d.mantissa, f.length !== undefined ? f.length - 1 : undefined);
        return ok(concatBytes([Uint8Array.of(d.scale), m]));
      } catch {
        return encodeFail(
          'out-of-range',
          tag,
          path,
          `tag ${tag} (FVLN) mantissa does not fit in ${(f.length ?? 1) - 1} bytes`,
        );
      }
    }
    case 'string': {
      if (typeof value !== 'string') {
        return encodeFail('bad-type', tag, path, `tag ${tag} (string) needs text, got ${describe(value)}`);
      }
      const r = encodeCp866(value);
      if ('badChar' in r) {
        return encodeFail(
          'not-cp866',
          tag,
          path,
          `tag ${tag}: character "${r.badChar}" at ${r.index} has no CP866 code`,
        );
      }
      return ok(r.bytes);
    }
    case 'bytes':
      return encodeFail('bad-type', tag, path, `tag ${tag} (byte array) needs bytes, got ${describe(value)}`);
    case 'stlv':
      return encodeFail(
        'bad-type',
        tag,
        path,
        `tag ${tag} (STLV) needs a list of fields, got ${describe(value)}`,
      );
  }
}

function describe(v: FieldValue): string {
  if (typeof v === 'string') return `text "${v.length > 20 ? v.slice(0, 20) + '…' : v}"`;
  if (typeof v === 'number') return `number ${v}`;
  if (v instanceof Uint8Array) return `bytes ${toHex(v)}`;
  if (Array.isArray(v)) return 'a field list';
  return 'a decimal';
}
