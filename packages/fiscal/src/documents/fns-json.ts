import { fromHex, readUIntBE, toHex } from '../bytes.js';
import {
  decimalFromNumber,
  decimalsSameValue,
  decimalToNumber,
  formatDecimal,
  parseDecimal,
} from '../money/quantity.js';
import { err, ok, type Result } from '../result.js';
import { isFormCode, tagByJsonKey, tagDef, type TagDef } from '../tags/dictionary.js';
import { fiscalTimeFromText } from '../time.js';
import { isDecimal, type Field, type FieldValue } from '../tlv/codec.js';
import type { FiscalDocument } from './document.js';

/**
 * Conversion between documents and FNS JSON: the key names OFDs and the FNS receipt service use
 * (`{"receipt": {"code": 3, "fiscalDriveNumber": …, "items": [...]}}`). Value-level, not
 * byte-level: non-canonical widths are not carried (the CLI's own JSON keeps them).
 * Tags without an FNS key use their number as the key; unknown tags hold lowercase hex.
 * ФПД (1077) is written as the 6-byte big-endian integer, whose low 4 bytes are the printed ФП,
 * so a 10-digit printed ФП from FNS JSON reads back as the same printed ФП.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
export type JsonObject = { [k: string]: JsonValue };

function keyOf(tag: number): string {
  return tagDef(tag)?.json ?? String(tag);
}

function valueToJson(def: TagDef | undefined, f: Field): JsonValue {
  const v = f.value;
  if (v instanceof Uint8Array) {
    if (def?.tag === 1077 && v.length === 6) return Number(readUIntBE(v));
    return toHex(v);
  }
  if (Array.isArray(v)) return fieldsToJson(v as readonly Field[]);
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (isDecimal(v)) {
    const n = decimalToNumber(v);
    const back = decimalFromNumber(n);
    return back && decimalsSameValue(back, v) ? n : formatDecimal(v);
  }
  return null;
}

export function fieldsToJson(fields: readonly Field[]): JsonObject {
  const out: JsonObject = {};
  const counts = new Map<number, number>();
  for (const f of fields) counts.set(f.tag, (counts.get(f.tag) ?? 0) + 1);
  for (const f of fields) {
    const def = tagDef(f.tag);
    const key = keyOf(f.tag);
    const v = valueToJson(def, f);
    if (def?.repeatable || (counts.get(f.tag) ?? 0) > 1) {
      const arr = (out[key] as JsonValue[] | undefined) ?? [];
      arr.push(v);
      out[key] = arr;
    } else {
      out[key] = v;
    }
  }
  return out;
}

/** `{ "<formKey>": { "code": form, ...tags } }` */
export function toFnsJson(doc: FiscalDocument): JsonObject {
  return { [keyOf(doc.form)]: { code: doc.form, ...fieldsToJson(doc.fields) } };
}

export interface JsonError {
  readonly path: string;
  readonly message: string;
}

export interface FromJsonResult {
  readonly document: FiscalDocument;
  /** Keys that name no tag (old FFD 1.0 extras such as `modifiers`), left out. */
  readonly ignored: readonly string[];
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Keys in FNS JSON that are not tags of the document itself. */
const NON_TAG_KEYS = new Set(['code', 'messageFiscalSign', 'rawData', 'fiscalDocumentFormatVerName']);

export function fromFnsJson(input: JsonValue): Result<FromJsonResult, JsonError> {
  if (!isObject(input)) return err({ path: '$', message: 'expected a JSON object' });
  let body: JsonObject = input;
  let form: number | undefined;
  const keys = Object.keys(input);
  if (keys.length === 1 && isObject(input[keys[0]!])) {
    const wrapper = tagByJsonKey(keys[0]!, 0);
    if (wrapper && isFormCode(wrapper.tag)) {
      form = wrapper.tag;
      body = input[keys[0]!] as JsonObject;
    }
  }
  const code = body.code;
  if (code !== undefined) {
    if (typeof code !== 'number' || !isFormCode(code))
      return err({ path: '$.code', message: `code ${JSON.stringify(code)} is not a form code` });
    if (form !== undefined && form !== code)
      return err({ path: '$.code', message: `code ${code} contradicts the wrapper key (form ${form})` });
    form = code;
  }
  if (form === undefined || !isFormCode(form)) {
    return err({
      path: '$',
      message: 'cannot tell the form: give a wrapper key such as "receipt" or a "code"',
    });
  }
  const ignored: string[] = [];
  const fields = objectToFields(body, form, '$', ignored, true);
  if (!fields.ok) return fields;
  return ok({ document: { form, fields: fields.value }, ignored });
}

function objectToFields(
  obj: JsonObject,
  parent: number,
  path: string,
  ignored: string[],
  top: boolean,
): Result<Field[], JsonError> {
  const out: Field[] = [];
  for (const [key, raw] of Object.entries(obj)) {
    if (top && NON_TAG_KEYS.has(key)) continue;
    const p = `${path}.${key}`;
    const def = /^\d+$/.test(key)
      ? (tagDef(Number(key)) ?? { unknownTag: Number(key) })
      : tagByJsonKey(key, parent);
    if (!def) {
      ignored.push(p);
      continue;
    }
    const isListOfValues = Array.isArray(raw);
    const values = isListOfValues ? raw : [raw];
    for (let i = 0; i < values.length; i++) {
      const vp = isListOfValues ? `${p}[${i}]` : p;
      const r =
        'unknownTag' in def
          ? unknownFromJson(def.unknownTag, values[i]!, vp)
          : valueFromJson(def, values[i]!, vp, ignored);
      if (!r.ok) return r;
      out.push(r.value);
    }
  }
  return ok(out);
}

function unknownFromJson(tag: number, v: JsonValue, path: string): Result<Field, JsonError> {
  if (tag > 0xffff) return err({ path, message: `tag ${tag} is not a 16-bit tag number` });
  const bytes = typeof v === 'string' ? fromHex(v) : undefined;
  if (!bytes)
    return err({ path, message: `tag ${tag} is not in the dictionary: give its value as hex text` });
  return ok({ tag, value: bytes });
}

function intFrom(v: JsonValue): number | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d{1,15}$/.test(v)) return Number(v);
  return undefined;
}

function valueFromJson(def: TagDef, v: JsonValue, path: string, ignored: string[]): Result<Field, JsonError> {
  const tag = def.tag;
  const bad = (what: string) =>
    err<JsonError>({ path, message: `tag ${tag} (${def.name}) needs ${what}, got ${JSON.stringify(v)}` });
  let value: FieldValue;
  switch (def.type) {
    case 'byte':
    case 'u16':
    case 'u32':
    case 'vln': {
      const n = intFrom(v);
      if (n === undefined) return bad('a non-negative integer');
      value = n;
      break;
    }
    case 'unixtime': {
      const n = typeof v === 'string' && !/^\d+$/.test(v) ? fiscalTimeFromText(v) : intFrom(v);
      if (n === undefined) return bad('seconds or "YYYY-MM-DDTHH:MM:SS" local time');
      value = n;
      break;
    }
    case 'fvln': {
      const d =
        typeof v === 'number' ? decimalFromNumber(v) : typeof v === 'string' ? parseDecimal(v) : undefined;
      if (!d) return bad('a non-negative decimal');
      value = d;
      break;
    }
    case 'string':
      if (typeof v !== 'string') return bad('text');
      value = v;
      break;
    case 'bytes': {
      if (tag === 1077 && typeof v === 'number') {
        if (!Number.isSafeInteger(v) || v < 0 || v >= 2 ** 48) return bad('a ФПД number below 2^48');
        const b = new Uint8Array(6);
        let x = BigInt(v);
        for (let i = 5; i >= 0; i--) {
          b[i] = Number(x & 0xffn);
          x >>= 8n;
        }
        value = b;
        break;
      }
      const b = typeof v === 'string' ? fromHex(v) : undefined;
      if (!b) return bad('hex text');
      value = b;
      break;
    }
    case 'stlv': {
      if (!isObject(v)) return bad('an object');
      const inner = objectToFields(v, tag, path, ignored, false);
      if (!inner.ok) return inner;
      value = inner.value;
      break;
    }
  }
  return ok({ tag, value });
}
