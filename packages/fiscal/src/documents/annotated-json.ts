import { fromHex, toHex } from '../bytes.js';
import { formatDecimal, parseDecimal } from '../money/quantity.js';
import { err, ok, type Result } from '../result.js';
import { tagDef, type TagType } from '../tags/dictionary.js';
import { fiscalTimeToText } from '../time.js';
import { isDecimal, type Field, type FieldValue } from '../tlv/codec.js';
import type { JsonError } from './fns-json.js';

/**
 * The annotated JSON of `openkassa fiscal decode`: every tag in wire order with its number,
 * name, FNS key, type and value; `length` where the bytes used a non-canonical width; unknown
 * tags as hex. `fieldsFromAnnotated` reads it back so encoding reproduces the bytes exactly.
 */
export interface AnnotatedTag {
  tag: number;
  name?: string;
  key?: string;
  type?: TagType | 'unknown';
  /** number | decimal text | CP866 text | hex (bytes, unknown) | nested tags (STLV). */
  value: number | string | AnnotatedTag[];
  length?: number;
  /** Readable form of time values (fiscal local time), for people only. */
  time?: string;
}

export function fieldsToAnnotated(fields: readonly Field[]): AnnotatedTag[] {
  return fields.map((f) => {
    const def = tagDef(f.tag);
    const v = f.value;
    const out: AnnotatedTag = { tag: f.tag, value: 0 };
    if (def) {
      out.name = def.name;
      if (def.json !== undefined) out.key = def.json;
    }
    if (v instanceof Uint8Array) {
      out.type = def && def.type === 'bytes' ? 'bytes' : 'unknown';
      out.value = toHex(v);
    } else if (Array.isArray(v)) {
      out.type = 'stlv';
      out.value = fieldsToAnnotated(v as readonly Field[]);
    } else if (isDecimal(v)) {
      out.type = 'fvln';
      out.value = formatDecimal(v);
    } else {
      out.type = def?.type ?? 'unknown';
      out.value = v as number | string;
      if (def?.type === 'unixtime' && typeof v === 'number') out.time = fiscalTimeToText(v);
    }
    if (f.length !== undefined) out.length = f.length;
    return out;
  });
}

function isAnnotatedList(v: unknown): v is AnnotatedTag[] {
  return Array.isArray(v);
}

export function fieldsFromAnnotated(input: unknown, path = '$'): Result<Field[], JsonError> {
  if (!isAnnotatedList(input)) return err({ path, message: 'expected an array of tags' });
  const out: Field[] = [];
  for (let i = 0; i < input.length; i++) {
    const p = `${path}[${i}]`;
    const t = input[i] as Partial<AnnotatedTag> | null;
    if (typeof t !== 'object' || t === null) return err({ path: p, message: 'expected a tag object' });
    const tag = t.tag;
    if (typeof tag !== 'number' || !Number.isInteger(tag) || tag < 0 || tag > 0xffff) {
      return err({ path: `${p}.tag`, message: 'tag must be an integer 0..65535' });
    }
    const length = t.length;
    if (
      length !== undefined &&
      (typeof length !== 'number' || !Number.isInteger(length) || length < 0 || length > 0xffff)
    ) {
      return err({ path: `${p}.length`, message: 'length must be an integer 0..65535' });
    }
    const def = tagDef(tag);
    const value = t.value;
    const bad = (what: string) => err<JsonError>({ path: `${p}.value`, message: `tag ${tag} needs ${what}` });
    let fv: FieldValue;
    if (!def || t.type === 'unknown') {
      const b = typeof value === 'string' ? fromHex(value) : undefined;
      if (!b) return bad('hex text');
      fv = b;
    } else {
      switch (def.type) {
        case 'byte':
        case 'u16':
        case 'u32':
        case 'unixtime':
        case 'vln':
          if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
            return bad('a non-negative integer');
          fv = value;
          break;
        case 'fvln': {
          const d =
            typeof value === 'string'
              ? parseDecimal(value)
              : typeof value === 'number'
                ? parseDecimal(String(value))
                : undefined;
          if (!d) return bad('a decimal such as "0.844"');
          fv = d;
          break;
        }
        case 'string':
          if (typeof value !== 'string') return bad('text');
          fv = value;
          break;
        case 'bytes': {
          const b = typeof value === 'string' ? fromHex(value) : undefined;
          if (!b) return bad('hex text');
          fv = b;
          break;
        }
        case 'stlv': {
          const inner = fieldsFromAnnotated(value, `${p}.value`);
          if (!inner.ok) return inner;
          fv = inner.value;
          break;
        }
      }
    }
    out.push(length !== undefined ? { tag, value: fv, length } : { tag, value: fv });
  }
  return ok(out);
}
