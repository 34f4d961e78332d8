import { fromHex, readU16LE, toHex } from './bytes.js';
import { decodeDocument, encodeDocument, formName, type FiscalDocument } from './documents/document.js';
import { fieldsFromAnnotated, fieldsToAnnotated, type AnnotatedTag } from './documents/annotated-json.js';
import { fromFnsJson, toFnsJson, type JsonObject, type JsonValue } from './documents/fns-json.js';
import { checkDocument, type FlkResult } from './flk/flk.js';
import { err, ok, type Result } from './result.js';
import { isFormCode } from './tags/dictionary.js';
import { buildContainer, parseContainer, type Container } from './wire/container.js';
import { messageFiscalSign, parseMessage } from './wire/message.js';
import {
  buildSessionMessage,
  crcModeOf,
  parseSessionHeader,
  SESSION_HEADER_LENGTH,
  SESSION_SIGNATURE,
  type SessionHeader,
} from './wire/session-header.js';
import { writeU16LE } from './bytes.js';

/**
 * What `openkassa fiscal decode` prints: the layers found in some bytes (a whole OFD message,
 * a container, or a bare document TLV), every field, the FNS JSON and the ФЛК result.
 * `rebuild` turns the same JSON back into bytes.
 */
export interface Inspection {
  kind: 'message' | 'session-header' | 'container' | 'document';
  session?: {
    pVersion: string;
    fnNumber: string;
    bodyLength: number;
    flags: string;
    crc: number;
    crcMode: string;
    crcValid: boolean;
  };
  container?: {
    length: number;
    crc: string;
    crcValid: boolean;
    containerType: string;
    dataType: number;
    formatVersion: number;
    serviceData1: string;
    fnNumber: string;
    fdNumber: number;
    serviceData2: string;
    fnMatchesSession?: boolean;
  };
  document?: {
    form: number;
    formName: string;
    ffd: string | null;
    tags: AnnotatedTag[];
    fnsJson: JsonObject;
  };
  /** Container data that is not a readable document (encrypted), as hex. */
  opaque?: string;
  /** Why a document-looking body did not decode. */
  documentError?: string;
  trailer?: { hex: string; messageFiscalSign?: string };
  flk?: FlkResult;
}

export interface InspectError {
  readonly message: string;
}

/** Accepts hex text (whitespace ignored) or raw bytes. */
export function bytesFromInput(input: Uint8Array): Uint8Array {
  const text = new TextDecoder('latin1').decode(input);
  if (/^[\s0-9a-fA-F]*$/.test(text) && /[0-9a-fA-F]/.test(text)) {
    const b = fromHex(text);
    if (b) return b;
  }
  return input;
}

const hex4 = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;

function describeSession(h: SessionHeader, crcValid: boolean): NonNullable<Inspection['session']> {
  return {
    pVersion: hex4(h.pVersion),
    fnNumber: h.fnNumber,
    bodyLength: h.bodyLength,
    flags: hex4(h.flags),
    crc: h.crc,
    crcMode: crcModeOf(h.flags) ?? 'forbidden',
    crcValid,
  };
}

function describeDocument(doc: FiscalDocument): NonNullable<Inspection['document']> {
  const flk = checkDocument(doc);
  return {
    form: doc.form,
    formName: formName(doc.form),
    ffd: flk.ffd ?? null,
    tags: fieldsToAnnotated(doc.fields),
    fnsJson: toFnsJson(doc),
  };
}

function describeContainer(c: Container, into: Inspection): void {
  const h = c.header;
  into.container = {
    length: h.length,
    crc: hex4(h.crc),
    crcValid: c.crcValid,
    containerType: `0x${h.containerType.toString(16)}`,
    dataType: h.dataType,
    formatVersion: h.formatVersion,
    serviceData1: toHex(h.serviceData1),
    fnNumber: h.fnNumber,
    fdNumber: h.fdNumber,
    serviceData2: toHex(h.serviceData2),
  };
  if (c.document) {
    into.document = describeDocument(c.document);
    into.flk = checkDocument(c.document);
    const sign = messageFiscalSign(c.trailer);
    into.trailer = { hex: toHex(c.trailer), ...(sign !== undefined && { messageFiscalSign: sign }) };
  } else {
    into.opaque = toHex(c.data);
    if (c.documentError)
      into.documentError = `${c.documentError.code} at byte ${c.documentError.offset}: ${c.documentError.message}`;
  }
}

export function inspect(bytes: Uint8Array): Result<Inspection, InspectError> {
  if (bytes.length === SESSION_HEADER_LENGTH && SESSION_SIGNATURE.every((b, i) => bytes[i] === b)) {
    const h = parseSessionHeader(bytes);
    if (!h.ok) return err({ message: `session header: ${h.error.message}` });
    return ok({
      kind: 'session-header',
      session: describeSession(h.value, h.value.crc === 0 || crcModeOf(h.value.flags) === 'none'),
    });
  }
  if (bytes.length >= 4 && SESSION_SIGNATURE.every((b, i) => bytes[i] === b)) {
    const m = parseMessage(bytes);
    if (!m.ok)
      return err({ message: `OFD message: ${m.error.message} (${m.error.code} at byte ${m.error.offset})` });
    const out: Inspection = {
      kind: 'message',
      session: describeSession(m.value.header, m.value.sessionCrcValid),
    };
    if (m.value.container) {
      describeContainer(m.value.container, out);
      out.container!.fnMatchesSession = m.value.fnConsistent;
    }
    return ok(out);
  }
  if (
    bytes.length >= 32 &&
    readU16LE(bytes, 0) === bytes.length &&
    (bytes[4] === 0xa5 || bytes[4] === 0x5a)
  ) {
    const c = parseContainer(bytes);
    if (!c.ok) return err({ message: `container: ${c.error.message}` });
    const out: Inspection = { kind: 'container' };
    describeContainer(c.value, out);
    return ok(out);
  }
  if (bytes.length >= 4 && isFormCode(readU16LE(bytes, 0))) {
    const d = decodeDocument(bytes);
    if (!d.ok)
      return err({
        message: `document: ${d.error.message} (${d.error.code} at byte ${d.error.offset}, path ${d.error.path.join('/') || '-'})`,
      });
    return ok({ kind: 'document', document: describeDocument(d.value), flk: checkDocument(d.value) });
  }
  return err({
    message:
      'not an OFD message (2A 08 41 0A), a container (length + A5) or a document TLV (form code first)',
  });
}

function parseHexField(v: unknown, name: string, len?: number): Result<Uint8Array, InspectError> {
  const b = typeof v === 'string' ? fromHex(v) : undefined;
  if (!b || (len !== undefined && b.length !== len))
    return err({ message: `${name} must be ${len !== undefined ? `${len} bytes of ` : ''}hex` });
  return ok(b);
}

function parseIntField(v: unknown, name: string): Result<number, InspectError> {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
    return err({ message: `${name} must be a non-negative integer` });
  return ok(n);
}

function documentFrom(input: Record<string, unknown>): Result<FiscalDocument | undefined, InspectError> {
  const d = input.document as Record<string, unknown> | undefined;
  if (d === undefined) return ok(undefined);
  const form = d.form;
  if (typeof form !== 'number' || !isFormCode(form))
    return err({ message: 'document.form must be a form code (1, 2, 3, 4, 5, 6, 7, 11, 21, 31, 41, 81–84)' });
  if (d.tags !== undefined) {
    const f = fieldsFromAnnotated(d.tags, '$.document.tags');
    if (!f.ok) return err({ message: `${f.error.path}: ${f.error.message}` });
    return ok({ form, fields: f.value });
  }
  if (d.fnsJson !== undefined) {
    const r = fromFnsJson(d.fnsJson as JsonValue);
    if (!r.ok) return err({ message: `${r.error.path}: ${r.error.message}` });
    return ok(r.value.document);
  }
  return err({ message: 'document needs "tags" (or "fnsJson")' });
}

/**
 * Bytes from an inspection-shaped JSON (as printed by `inspect`), or from plain FNS JSON
 * (`{"receipt": {...}}`), which gives a bare document TLV. CRCs are recomputed.
 */
export function rebuild(input: unknown): Result<Uint8Array, InspectError> {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return err({ message: 'expected a JSON object' });
  const o = input as Record<string, unknown>;
  if (o.kind === undefined) {
    const r = fromFnsJson(o as JsonValue);
    if (!r.ok) return err({ message: `${r.error.path}: ${r.error.message}` });
    const b = encodeDocument(r.value.document);
    return b.ok ? ok(b.value) : err({ message: `tag ${b.error.path.join('/')}: ${b.error.message}` });
  }
  const doc = documentFrom(o);
  if (!doc.ok) return doc;
  let docBytes: Uint8Array | undefined;
  if (doc.value) {
    const b = encodeDocument(doc.value);
    if (!b.ok) return err({ message: `tag ${b.error.path.join('/')}: ${b.error.message}` });
    docBytes = b.value;
  }
  if (o.kind === 'document') return docBytes ? ok(docBytes) : err({ message: 'a document needs "document"' });
  if (o.kind === 'session-header') return rebuildBareHeader(o.session);
  if (o.kind !== 'container' && o.kind !== 'message') {
    return err({
      message: `kind must be message, session-header, container or document, got ${JSON.stringify(o.kind)}`,
    });
  }

  const c = o.container as Record<string, unknown> | undefined;
  if (!c) return err({ message: `a ${o.kind} needs "container"` });
  let body = docBytes;
  if (!body) {
    const op = parseHexField(o.opaque, 'opaque');
    if (!op.ok) return err({ message: 'a container needs "document" or "opaque"' });
    body = op.value;
  }
  const trailer =
    o.trailer === undefined
      ? ok(new Uint8Array())
      : parseHexField((o.trailer as Record<string, unknown>).hex, 'trailer.hex');
  if (!trailer.ok) return trailer;
  const sd1 = parseHexField(c.serviceData1 ?? '1009', 'container.serviceData1', 2);
  if (!sd1.ok) return sd1;
  const sd2 = parseHexField(c.serviceData2 ?? '000000000000000000000000', 'container.serviceData2', 12);
  if (!sd2.ok) return sd2;
  const fd = parseIntField(c.fdNumber, 'container.fdNumber');
  if (!fd.ok) return fd;
  const dataType = parseIntField(c.dataType ?? doc.value?.form, 'container.dataType');
  if (!dataType.ok) return dataType;
  const ctype = parseIntField(c.containerType ?? 0xa5, 'container.containerType');
  if (!ctype.ok) return ctype;
  const fver = parseIntField(c.formatVersion ?? 1, 'container.formatVersion');
  if (!fver.ok) return fver;
  if (typeof c.fnNumber !== 'string') return err({ message: 'container.fnNumber must be 16 digits' });
  const built = buildContainer({
    dataType: dataType.value,
    fnNumber: c.fnNumber,
    fdNumber: fd.value,
    document: body,
    trailer: trailer.value,
    containerType: ctype.value,
    formatVersion: fver.value,
    serviceData1: sd1.value,
    serviceData2: sd2.value,
  });
  if (!built.ok) return err({ message: built.error.message });
  if (o.kind === 'container') return ok(built.value);

  const s = o.session as Record<string, unknown> | undefined;
  if (!s) return err({ message: 'a message needs "session"' });
  const pv = parseIntField(s.pVersion ?? 1, 'session.pVersion');
  const flags = parseIntField(s.flags ?? 0x14, 'session.flags');
  if (!pv.ok) return pv;
  if (!flags.ok) return flags;
  const fn = typeof s.fnNumber === 'string' ? s.fnNumber : c.fnNumber;
  const m = buildSessionMessage({ pVersion: pv.value, fnNumber: fn, flags: flags.value }, built.value);
  return m.ok ? ok(m.value) : err({ message: m.error.message });
}

/** A bare 30-byte session header: the body length is whatever the JSON says (no body follows). */
function rebuildBareHeader(session: unknown): Result<Uint8Array, InspectError> {
  const s = session as Record<string, unknown> | undefined;
  if (!s) return err({ message: 'a session-header needs "session"' });
  const pv = parseIntField(s.pVersion ?? 1, 'session.pVersion');
  if (!pv.ok) return pv;
  const flags = parseIntField(s.flags ?? 0x14, 'session.flags');
  if (!flags.ok) return flags;
  const len = parseIntField(s.bodyLength, 'session.bodyLength');
  if (!len.ok) return len;
  const crc = parseIntField(s.crc ?? 0, 'session.crc');
  if (!crc.ok) return crc;
  if (typeof s.fnNumber !== 'string') return err({ message: 'session.fnNumber must be 16 characters' });
  const m = buildSessionMessage(
    { pVersion: pv.value, fnNumber: s.fnNumber, flags: flags.value & ~3 },
    new Uint8Array(),
  );
  if (!m.ok) return err({ message: m.error.message });
  const out = m.value;
  writeU16LE(out, 24, len.value);
  writeU16LE(out, 26, flags.value);
  writeU16LE(out, 28, crc.value);
  return ok(out);
}
