import { numberOf } from '../documents/document.js';
import { ffdVersionFromCode } from '../tags/dictionary.js';
import { crcModeOf } from './session-header.js';
import type { OfdMessage } from './message.js';

/** Why a well-framed message is still not one a real ФН would send: the relay and the OFD refuse it. */
export type RelayRefusalCode =
  | 'no-container'
  | 'bad-crc'
  | 'bad-session-crc'
  | 'bad-fn'
  | 'fn-mismatch'
  | 'bad-fd'
  | 'unknown-protocol-version'
  | 'unknown-container-type'
  | 'unknown-container-version'
  | 'unknown-form'
  | 'unknown-ffd-version';

export interface RelayRefusal {
  readonly code: RelayRefusalCode;
  readonly reason: string;
}

/**
 * Session-protocol P-versions (header bytes 6–7): `00 01` in every recorded message, whatever the
 * FFD (ofd-protocol.md §2.2); `01 05`/`01 10`/`01 20` as some clients write the FFD there (a
 * third-party client sends `01 20` for FFD 1.2, §10 q.1); `01 00` likewise for FFD 1.0.
 */
const P_VERSIONS = new Set([0x0001, 0x0100, 0x0105, 0x0110, 0x0120]);
/** Container type byte: A5 in every sample, both directions; the spec calls it a constant (§2.4). */
const CONTAINER_TYPE = 0xa5;
/** Container format version 1: the 32-byte header (§2.4). */
const CONTAINER_VERSION = 1;
/** Forms a ФН sends, by the container's data-type byte (= the document's form code, §4). */
const FORMS = new Set([1, 2, 3, 4, 5, 6, 11, 21, 31, 41, 81, 82, 83, 84]);

/**
 * Whether a parsed message may be relayed (stored under its (ФН, ФД) key and sent upstream): its
 * parts agree and nothing in it is something no real ФН sends. The relay keys a document by the
 * session header's ФН and the container's ФД, so a message whose session ФН was damaged while its
 * container stayed intact would otherwise take a key no ФН owns and be retried upstream forever.
 * One rule for the relay and the OFD emulator alike.
 */
export function relayRefusal(m: OfdMessage): RelayRefusal | undefined {
  const c = m.container;
  if (!c) return { code: 'no-container', reason: 'message carries no container' };
  // a damaged container must not take its (ФН, ФД) key: the intact copy would then be a "repeat"
  if (!c.crcValid) return { code: 'bad-crc', reason: 'container CRC does not match its bytes' };
  if (crcModeOf(m.header.flags) !== 'none' && !m.sessionCrcValid)
    return { code: 'bad-session-crc', reason: 'session header CRC does not match its bytes' };
  if (!/^\d{16}$/.test(m.header.fnNumber))
    return {
      code: 'bad-fn',
      reason: `session header ФН ${JSON.stringify(m.header.fnNumber)} is not 16 digits`,
    };
  if (!m.fnConsistent)
    return {
      code: 'fn-mismatch',
      reason: `session header ФН ${m.header.fnNumber} differs from the container's ФН ${JSON.stringify(c.header.fnNumber)}`,
    };
  if (c.header.fdNumber === 0) return { code: 'bad-fd', reason: 'ФД number 0 (a ФН counts from 1)' };
  if (!P_VERSIONS.has(m.header.pVersion))
    return {
      code: 'unknown-protocol-version',
      reason: `session protocol version ${hex4(m.header.pVersion)} is not one a ФН sends`,
    };
  if (c.header.containerType !== CONTAINER_TYPE)
    return {
      code: 'unknown-container-type',
      reason: `container type ${hex2(c.header.containerType)}, not A5`,
    };
  if (c.header.formatVersion !== CONTAINER_VERSION)
    return {
      code: 'unknown-container-version',
      reason: `container format version ${c.header.formatVersion}, not 1`,
    };
  if (!FORMS.has(c.header.dataType))
    return { code: 'unknown-form', reason: `document form ${c.header.dataType} is not one a ФН sends` };
  // an unencrypted document says its FFD version (tag 1209); encrypted ones cannot be read here
  if (c.document && ffdVersionFromCode(numberOf(c.document.fields, 1209)) === undefined)
    return {
      code: 'unknown-ffd-version',
      reason: `document FFD version code ${String(numberOf(c.document.fields, 1209))} is not one the relay knows`,
    };
  return undefined;
}

const hex2 = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');
const hex4 = (n: number) => `${hex2(n >> 8)} ${hex2(n & 0xff)}`;
