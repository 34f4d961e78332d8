import type { Decimal } from '../money/quantity.js';
import { err, ok, type Result } from '../result.js';
import {
  ffdVersionFromCode,
  isFormCode,
  tagDef,
  type FfdVersion,
  type FormCode,
} from '../tags/dictionary.js';
import {
  decodeFields,
  encodeField,
  isDecimal,
  isFieldList,
  type DecodeError,
  type EncodeError,
  type Field,
} from '../tlv/codec.js';
import { readU16LE } from '../bytes.js';

/** A fiscal document: its form code (the outer TLV tag) and its tags in wire order. */
export interface FiscalDocument {
  readonly form: FormCode;
  readonly fields: readonly Field[];
}

/** Decodes one document TLV at the start of `bytes`; what follows it is returned as `rest`. */
export function decodeDocumentPrefix(
  bytes: Uint8Array,
  baseOffset = 0,
): Result<{ document: FiscalDocument; rest: Uint8Array; length: number }, DecodeError> {
  if (bytes.length < 4) {
    return err({
      code: 'truncated-header',
      offset: baseOffset,
      path: [],
      message: `${bytes.length} byte(s): too short for a document header`,
    });
  }
  const form = readU16LE(bytes, 0);
  if (!isFormCode(form)) {
    return err({
      code: 'not-a-document',
      offset: baseOffset,
      path: [],
      tag: form,
      message: `tag ${form} is not a fiscal document form code`,
    });
  }
  const len = readU16LE(bytes, 2);
  if (4 + len > bytes.length) {
    return err({
      code: 'truncated-value',
      offset: baseOffset,
      path: [form],
      tag: form,
      message: `document (form ${form}) declares ${len} bytes but only ${bytes.length - 4} remain`,
    });
  }
  const fields = decodeFields(bytes.subarray(4, 4 + len), { baseOffset: baseOffset + 4, path: [form] });
  if (!fields.ok) return fields;
  return ok({ document: { form, fields: fields.value }, rest: bytes.subarray(4 + len), length: 4 + len });
}

/** Decodes a buffer holding exactly one document TLV. */
export function decodeDocument(bytes: Uint8Array): Result<FiscalDocument, DecodeError> {
  const r = decodeDocumentPrefix(bytes);
  if (!r.ok) return r;
  if (r.value.rest.length > 0) {
    return err({
      code: 'trailing-bytes',
      offset: r.value.length,
      path: [],
      message: `${r.value.rest.length} byte(s) after the document`,
    });
  }
  return ok(r.value.document);
}

export function encodeDocument(doc: FiscalDocument): Result<Uint8Array, EncodeError> {
  return encodeField({ tag: doc.form, value: doc.fields });
}

// Accessors. They read the first occurrence of a tag at one level.

export function findField(fields: readonly Field[], tag: number): Field | undefined {
  return fields.find((f) => f.tag === tag);
}

export function findAll(fields: readonly Field[], tag: number): Field[] {
  return fields.filter((f) => f.tag === tag);
}

export function numberOf(fields: readonly Field[], tag: number): number | undefined {
  const v = findField(fields, tag)?.value;
  return typeof v === 'number' ? v : undefined;
}

export function stringOf(fields: readonly Field[], tag: number): string | undefined {
  const v = findField(fields, tag)?.value;
  return typeof v === 'string' ? v : undefined;
}

export function bytesOf(fields: readonly Field[], tag: number): Uint8Array | undefined {
  const v = findField(fields, tag)?.value;
  return v instanceof Uint8Array ? v : undefined;
}

export function decimalOf(fields: readonly Field[], tag: number): Decimal | undefined {
  const v = findField(fields, tag)?.value;
  return v !== undefined && isDecimal(v) ? v : undefined;
}

export function childrenOf(field: Field | undefined): readonly Field[] | undefined {
  return field && isFieldList(field.value) ? field.value : undefined;
}

/** The document's FFD version from tag 1209 (absent: FFD 1.0); undefined for an unknown code. */
export function documentFfdVersion(doc: FiscalDocument): FfdVersion | undefined {
  return ffdVersionFromCode(numberOf(doc.fields, 1209));
}

/** The printed ФП: bytes 2..6 of the 6-byte ФПД (tag 1077) read big-endian. */
export function printedFiscalSign(doc: FiscalDocument): number | undefined {
  const b = bytesOf(doc.fields, 1077);
  if (!b || b.length !== 6) return undefined;
  return ((b[2]! << 24) >>> 0) + (b[3]! << 16) + (b[4]! << 8) + b[5]!;
}

export function formName(form: number): string {
  return tagDef(form)?.name ?? `form ${form}`;
}
