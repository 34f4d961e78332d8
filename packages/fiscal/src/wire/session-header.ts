import { readU16LE, writeU16LE } from '../bytes.js';
import { err, ok, type Result } from '../result.js';
import { crc16Chunks } from './crc16.js';

export const SESSION_HEADER_LENGTH = 30;
export const SESSION_SIGNATURE = Uint8Array.of(0x2a, 0x08, 0x41, 0x0a);
/** Session-protocol version bytes 81 A2 (read big-endian). */
export const SESSION_S_VERSION = 0x81a2;
/** Flags seen on every real message: container present, answer expected, no CRC. */
export const FLAGS_CONTAINER_ANSWER = 0x0014;
/** Largest body a reader accepts by default (the container limit of the protocol). */
export const MAX_BODY_LENGTH = 32 * 1024;

export type SessionCrcMode = 'none' | 'header' | 'header-and-body';

export interface SessionHeader {
  /** Application-protocol version bytes read big-endian (0x0001, 0x0105, 0x0120 …). */
  readonly pVersion: number;
  /** ФН number: 16 ASCII characters as sent (test drives pad with spaces). */
  readonly fnNumber: string;
  readonly bodyLength: number;
  readonly flags: number;
  readonly crc: number;
}

export type WireErrorCode =
  | 'truncated'
  | 'bad-signature'
  | 'bad-session-version'
  | 'bad-flags'
  | 'body-too-long'
  | 'length-mismatch'
  | 'session-crc-mismatch'
  | 'bad-container-type'
  | 'bad-fn-number';

export interface WireError {
  readonly code: WireErrorCode;
  readonly offset: number;
  readonly message: string;
}

export function crcModeOf(flags: number): SessionCrcMode | undefined {
  switch (flags & 3) {
    case 0:
      return 'none';
    case 1:
      return 'header';
    case 2:
      return 'header-and-body';
    default:
      return undefined;
  }
}

export function hasContainer(flags: number): boolean {
  return (flags & 0x04) !== 0;
}

export function expectsAnswer(flags: number): boolean {
  return ((flags >> 4) & 3) === 1;
}

function isPrintableAscii(b: Uint8Array): boolean {
  for (const x of b) if (x < 0x20 || x > 0x7e) return false;
  return true;
}

/** Parses the 30-byte session header at the start of `bytes` (more bytes may follow). */
export function parseSessionHeader(
  bytes: Uint8Array,
  maxBody = MAX_BODY_LENGTH,
): Result<SessionHeader, WireError> {
  if (bytes.length < SESSION_HEADER_LENGTH) {
    return err({
      code: 'truncated',
      offset: bytes.length,
      message: `session header needs 30 bytes, got ${bytes.length}`,
    });
  }
  for (let i = 0; i < 4; i++) {
    if (bytes[i] !== SESSION_SIGNATURE[i]) {
      return err({
        code: 'bad-signature',
        offset: i,
        message: 'session header signature is not 2A 08 41 0A',
      });
    }
  }
  const sVersion = (bytes[4]! << 8) | bytes[5]!;
  if (sVersion !== SESSION_S_VERSION) {
    return err({
      code: 'bad-session-version',
      offset: 4,
      message: `session protocol version ${sVersion.toString(16)} is not 81A2`,
    });
  }
  const fnBytes = bytes.subarray(8, 24);
  if (!isPrintableAscii(fnBytes)) {
    return err({
      code: 'bad-fn-number',
      offset: 8,
      message: 'ФН number in the session header is not ASCII text',
    });
  }
  const flags = readU16LE(bytes, 26);
  if ((flags & 3) === 3 || ((flags >> 4) & 3) >= 2) {
    return err({
      code: 'bad-flags',
      offset: 26,
      message: `session flags 0x${flags.toString(16).padStart(4, '0')} use a forbidden value`,
    });
  }
  const bodyLength = readU16LE(bytes, 24);
  if (bodyLength > maxBody) {
    return err({
      code: 'body-too-long',
      offset: 24,
      message: `body length ${bodyLength} exceeds the limit of ${maxBody}`,
    });
  }
  return ok({
    pVersion: (bytes[6]! << 8) | bytes[7]!,
    fnNumber: String.fromCharCode(...fnBytes),
    bodyLength,
    flags,
    crc: readU16LE(bytes, 28),
  });
}

export interface SessionHeaderInput {
  readonly pVersion: number;
  readonly fnNumber: string;
  readonly flags?: number;
}

/** Builds header + body; computes the session CRC when the flags ask for one. */
export function buildSessionMessage(h: SessionHeaderInput, body: Uint8Array): Result<Uint8Array, WireError> {
  if (h.fnNumber.length !== 16 || !/^[\x20-\x7e]{16}$/.test(h.fnNumber)) {
    return err({
      code: 'bad-fn-number',
      offset: 8,
      message: `ФН number must be 16 ASCII characters, got "${h.fnNumber}"`,
    });
  }
  if (body.length > 0xffff)
    return err({ code: 'body-too-long', offset: 24, message: `body of ${body.length} bytes` });
  const flags = h.flags ?? FLAGS_CONTAINER_ANSWER;
  const mode = crcModeOf(flags);
  if (!mode) return err({ code: 'bad-flags', offset: 26, message: 'CRC mode 11 is forbidden' });
  const out = new Uint8Array(SESSION_HEADER_LENGTH + body.length);
  out.set(SESSION_SIGNATURE, 0);
  out[4] = SESSION_S_VERSION >> 8;
  out[5] = SESSION_S_VERSION & 0xff;
  out[6] = (h.pVersion >> 8) & 0xff;
  out[7] = h.pVersion & 0xff;
  for (let i = 0; i < 16; i++) out[8 + i] = h.fnNumber.charCodeAt(i);
  writeU16LE(out, 24, body.length);
  writeU16LE(out, 26, flags);
  out.set(body, SESSION_HEADER_LENGTH);
  if (mode !== 'none')
    writeU16LE(out, 28, sessionCrc(out.subarray(0, 28), mode === 'header-and-body' ? body : undefined));
  return ok(out);
}

/** Session CRC: assumed CRC-16/CCITT-FALSE like the container's (no public sample, spec §10 q.9). */
export function sessionCrc(header28: Uint8Array, body?: Uint8Array): number {
  return crc16Chunks(body ? [header28, body] : [header28]);
}
