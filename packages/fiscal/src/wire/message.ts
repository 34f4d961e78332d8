import { readUIntBE } from '../bytes.js';
import { err, ok, type Result } from '../result.js';
import { buildContainer, parseContainer, type Container, type ContainerInput } from './container.js';
import {
  buildSessionMessage,
  crcModeOf,
  hasContainer,
  MAX_BODY_LENGTH,
  parseSessionHeader,
  SESSION_HEADER_LENGTH,
  SESSION_SIGNATURE,
  sessionCrc,
  type SessionHeader,
  type WireError,
} from './session-header.js';

export interface OfdMessage {
  readonly header: SessionHeader;
  /** Absent for a header-only message (flags without the container bit). */
  readonly container?: Container;
  readonly sessionCrcValid: boolean;
  /** Session-header ФН equals the container's BCD ФН. */
  readonly fnConsistent: boolean;
}

/**
 * For a TCP reader: given the bytes received so far, the total length of the first message,
 * `undefined` when fewer than 30 bytes are in, or an error when the header is not ours.
 */
export function frameLength(
  received: Uint8Array,
  maxBody = MAX_BODY_LENGTH,
): Result<number | undefined, WireError> {
  if (received.length < SESSION_HEADER_LENGTH) {
    // Refuse a foreign protocol as soon as its first bytes differ from the signature.
    for (let i = 0; i < Math.min(received.length, SESSION_SIGNATURE.length); i++) {
      if (received[i] !== SESSION_SIGNATURE[i]) {
        return err({
          code: 'bad-signature',
          offset: i,
          message: 'session header signature is not 2A 08 41 0A',
        });
      }
    }
    return ok(undefined);
  }
  const h = parseSessionHeader(received, maxBody);
  if (!h.ok) return h;
  return ok(SESSION_HEADER_LENGTH + h.value.bodyLength);
}

/** Parses one whole message (session header + body). */
export function parseMessage(bytes: Uint8Array, maxBody = MAX_BODY_LENGTH): Result<OfdMessage, WireError> {
  const h = parseSessionHeader(bytes, maxBody);
  if (!h.ok) return h;
  const header = h.value;
  const expected = SESSION_HEADER_LENGTH + header.bodyLength;
  if (bytes.length !== expected) {
    return err({
      code: bytes.length < expected ? 'truncated' : 'length-mismatch',
      offset: bytes.length,
      message: `message should be ${expected} bytes (30 + body ${header.bodyLength}), got ${bytes.length}`,
    });
  }
  const body = bytes.subarray(SESSION_HEADER_LENGTH);
  const mode = crcModeOf(header.flags);
  const sessionCrcValid =
    mode === 'none' ||
    header.crc === sessionCrc(bytes.subarray(0, 28), mode === 'header-and-body' ? body : undefined);
  if (!hasContainer(header.flags)) {
    return ok({ header, sessionCrcValid, fnConsistent: true });
  }
  const c = parseContainer(body);
  if (!c.ok) return err({ ...c.error, offset: c.error.offset + SESSION_HEADER_LENGTH });
  return ok({
    header,
    container: c.value,
    sessionCrcValid,
    fnConsistent: c.value.header.fnNumber === header.fnNumber,
  });
}

export interface MessageInput extends ContainerInput {
  readonly pVersion?: number;
  readonly flags?: number;
}

/** Builds a whole KKT→OFD (or OFD→KKT) message around one container. */
export function buildMessage(m: MessageInput): Result<Uint8Array, WireError> {
  const c = buildContainer(m);
  if (!c.ok) return c;
  return buildSessionMessage(
    {
      pVersion: m.pVersion ?? 0x0001,
      fnNumber: m.fnNumber,
      ...(m.flags !== undefined && { flags: m.flags }),
    },
    c.value,
  );
}

/**
 * messageFiscalSign as FNS JSON carries it: the first 8 bytes of the ФПС trailer read as a
 * big-endian unsigned 64-bit number (decimal text, since it exceeds 2^53).
 */
export function messageFiscalSign(trailer: Uint8Array): string | undefined {
  if (trailer.length < 8) return undefined;
  return readUIntBE(trailer.subarray(0, 8)).toString();
}
