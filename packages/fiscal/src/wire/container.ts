import { concatBytes, readU16LE, writeU16LE } from '../bytes.js';
import { decodeDocumentPrefix, type FiscalDocument } from '../documents/document.js';
import { err, ok, type Result } from '../result.js';
import type { DecodeError } from '../tlv/codec.js';
import { crc16Chunks } from './crc16.js';
import type { WireError } from './session-header.js';

export const CONTAINER_HEADER_LENGTH = 32;
export const CONTAINER_TYPE = 0xa5;

export interface ContainerHeader {
  /** Whole container length including these 32 bytes. */
  readonly length: number;
  readonly crc: number;
  readonly containerType: number;
  /** Form code of the document (7 for an operator answer). */
  readonly dataType: number;
  readonly formatVersion: number;
  readonly serviceData1: Uint8Array;
  /** ФН number from packed BCD; nibble F reads as a space. */
  readonly fnNumber: string;
  /** ФД number, uint24 big-endian. */
  readonly fdNumber: number;
  readonly serviceData2: Uint8Array;
}

export interface Container {
  readonly header: ContainerHeader;
  readonly computedCrc: number;
  readonly crcValid: boolean;
  /** Everything after the 32-byte header. */
  readonly data: Uint8Array;
  /** The plaintext document, when the data starts with a TLV of the header's form code. */
  readonly document?: FiscalDocument;
  readonly documentBytes?: Uint8Array;
  /** Why a document-looking body did not decode (the body is then treated as opaque). */
  readonly documentError?: DecodeError;
  /** Bytes after the document: the ФПС from a ФН, the ФПП from an OFD. Opaque when no document. */
  readonly trailer: Uint8Array;
}

export function bcdToFn(b: Uint8Array): string {
  let s = '';
  for (const x of b) {
    for (const nib of [x >> 4, x & 15]) s += nib <= 9 ? String(nib) : nib === 15 ? ' ' : '?';
  }
  return s;
}

export function fnToBcd(fn: string): Uint8Array | undefined {
  if (!/^[0-9 ]{16}$/.test(fn)) return undefined;
  const out = new Uint8Array(8);
  for (let i = 0; i < 16; i++) {
    const c = fn[i]!;
    const nib = c === ' ' ? 15 : c.charCodeAt(0) - 48;
    out[i >> 1]! |= i % 2 === 0 ? nib << 4 : nib;
  }
  return out;
}

export function containerCrc(container: Uint8Array): number {
  return crc16Chunks([container.subarray(0, 2), container.subarray(4)]);
}

export function parseContainer(bytes: Uint8Array): Result<Container, WireError> {
  if (bytes.length < CONTAINER_HEADER_LENGTH) {
    return err({
      code: 'truncated',
      offset: bytes.length,
      message: `container header needs 32 bytes, got ${bytes.length}`,
    });
  }
  const length = readU16LE(bytes, 0);
  if (length !== bytes.length) {
    return err({
      code: 'length-mismatch',
      offset: 0,
      message: `container length field says ${length}, ${bytes.length} bytes present`,
    });
  }
  const header: ContainerHeader = {
    length,
    crc: readU16LE(bytes, 2),
    containerType: bytes[4]!,
    dataType: bytes[5]!,
    formatVersion: bytes[6]!,
    serviceData1: bytes.slice(7, 9),
    fnNumber: bcdToFn(bytes.subarray(9, 17)),
    fdNumber: (bytes[17]! << 16) | (bytes[18]! << 8) | bytes[19]!,
    serviceData2: bytes.slice(20, 32),
  };
  const computedCrc = containerCrc(bytes);
  const data = bytes.subarray(CONTAINER_HEADER_LENGTH);
  const base = { header, computedCrc, crcValid: computedCrc === header.crc, data };
  // Decode only when the data starts with a TLV of the header's form code (spec §8);
  // otherwise the body is encrypted or not a document, and stays opaque.
  if (data.length >= 4 && readU16LE(data, 0) === header.dataType && 4 + readU16LE(data, 2) <= data.length) {
    const doc = decodeDocumentPrefix(data, CONTAINER_HEADER_LENGTH);
    if (doc.ok) {
      return ok({
        ...base,
        document: doc.value.document,
        documentBytes: data.subarray(0, doc.value.length),
        trailer: doc.value.rest,
      });
    }
    return ok({ ...base, documentError: doc.error, trailer: data });
  }
  return ok({ ...base, trailer: data });
}

export interface ContainerInput {
  readonly dataType: number;
  readonly fnNumber: string;
  readonly fdNumber: number;
  /** Document TLV (or ciphertext). */
  readonly document: Uint8Array;
  readonly trailer?: Uint8Array;
  readonly containerType?: number;
  readonly formatVersion?: number;
  readonly serviceData1?: Uint8Array;
  /** First 10 bytes of service data 2; the last 2 are the document length, big-endian. */
  readonly serviceData2Prefix?: Uint8Array;
  /** All 12 bytes of service data 2 exactly as given (re-encoding a captured container). */
  readonly serviceData2?: Uint8Array;
}

export function buildContainer(c: ContainerInput): Result<Uint8Array, WireError> {
  const bcd = fnToBcd(c.fnNumber);
  if (!bcd)
    return err({
      code: 'bad-fn-number',
      offset: 9,
      message: `ФН number must be 16 digits or spaces, got "${c.fnNumber}"`,
    });
  if (!Number.isInteger(c.fdNumber) || c.fdNumber < 0 || c.fdNumber > 0xffffff) {
    return err({
      code: 'length-mismatch',
      offset: 17,
      message: `ФД number ${c.fdNumber} does not fit 3 bytes`,
    });
  }
  const trailer = c.trailer ?? new Uint8Array(0);
  const total = CONTAINER_HEADER_LENGTH + c.document.length + trailer.length;
  if (total > 0xffff)
    return err({ code: 'body-too-long', offset: 0, message: `container of ${total} bytes` });
  const h = new Uint8Array(CONTAINER_HEADER_LENGTH);
  writeU16LE(h, 0, total);
  h[4] = c.containerType ?? CONTAINER_TYPE;
  h[5] = c.dataType;
  h[6] = c.formatVersion ?? 1;
  h.set(c.serviceData1 ?? Uint8Array.of(0x10, 0x09), 7);
  h.set(bcd, 9);
  h[17] = (c.fdNumber >> 16) & 0xff;
  h[18] = (c.fdNumber >> 8) & 0xff;
  h[19] = c.fdNumber & 0xff;
  if (c.serviceData2 !== undefined) {
    if (c.serviceData2.length !== 12)
      return err({ code: 'length-mismatch', offset: 20, message: 'service data 2 must be 12 bytes' });
    h.set(c.serviceData2, 20);
  } else {
    h.set((c.serviceData2Prefix ?? new Uint8Array(10)).subarray(0, 10), 20);
    h[30] = (c.document.length >> 8) & 0xff;
    h[31] = c.document.length & 0xff;
  }
  const out = concatBytes([h, c.document, trailer]);
  writeU16LE(out, 2, containerCrc(out));
  return ok(out);
}
