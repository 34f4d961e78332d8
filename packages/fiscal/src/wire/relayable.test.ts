import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../bytes.js';
import { encodeDocument } from '../documents/document.js';
import { sampleReceipt } from '../test-support/documents.js';
import { buildMessage, parseMessage, type MessageInput } from './message.js';
import { relayRefusal } from './relayable.js';

const VECTORS = join(import.meta.dirname, '../../../../../shared/vectors/ofd');
const recorded = () =>
  fromHex(readFileSync(join(VECTORS, 'yandex-ofd_kkt-to-ofd_msg_doc11_ffd105.hex'), 'utf8'))!;

/** The refusal of a message, or 'relayed'. */
function verdict(bytes: Uint8Array): string {
  const m = parseMessage(bytes);
  if (!m.ok) throw new Error(`unparseable: ${m.error.message}`);
  return relayRefusal(m.value)?.code ?? 'relayed';
}

/** The recorded message with its session header's ФН replaced, the container left intact. */
function withSessionFn(fn: string): Uint8Array {
  const b = recorded();
  for (let i = 0; i < 16; i++) b[8 + i] = fn.charCodeAt(i);
  return b;
}

const receipt = encodeDocument(sampleReceipt('1.2'));
if (!receipt.ok) throw new Error(receipt.error.message);
const built = (over: Partial<MessageInput>) => {
  const m = buildMessage({
    pVersion: 0x0001,
    fnNumber: '9999078900001366',
    fdNumber: 12,
    dataType: 3,
    document: receipt.value,
    trailer: Uint8Array.of(0x81, 0x06, 1, 2, 3, 4, 5, 6, 0, 0),
    ...over,
  });
  if (!m.ok) throw new Error(m.error.message);
  return m.value;
};

describe('what a relay may relay', () => {
  it('relays the recorded message and a well-formed one', () => {
    expect(verdict(recorded())).toBe('relayed');
    expect(verdict(built({}))).toBe('relayed');
    expect(verdict(built({ pVersion: 0x0120 }))).toBe('relayed');
  });

  it('refuses the three mutants a fuzz run got stored: the session ФН damaged, the container intact', () => {
    expect(verdict(withSessionFn('9199078900010501'))).toBe('fn-mismatch');
    expect(verdict(withSessionFn('9999078900090501'))).toBe('fn-mismatch');
    expect(verdict(withSessionFn('9999078=00010501'))).toBe('bad-fn');
    // and the ones of the second run
    for (const fn of ['!999078900001366', '.999078900005488', '1999078900005488'])
      expect(verdict(withSessionFn(fn))).not.toBe('relayed');
  });

  it('refuses a ФН that is not 16 digits even where both parts agree', () => {
    // a BCD nibble F reads as a space: both parts say "999907890000136 "
    expect(verdict(built({ fnNumber: '999907890000136 ' }))).toBe('bad-fn');
  });

  it('refuses a session CRC that does not match when the flags say there is one', () => {
    const good = built({ flags: 0x0015 });
    expect(verdict(good)).toBe('relayed');
    good[28] = good[28]! ^ 0xff;
    expect(verdict(good)).toBe('bad-session-crc');
  });

  it('refuses ФД 0, an unknown protocol version, container type or version, form or FFD version', () => {
    expect(verdict(built({ fdNumber: 0 }))).toBe('bad-fd');
    expect(verdict(built({ pVersion: 0x0777 }))).toBe('unknown-protocol-version');
    expect(verdict(built({ containerType: 0x5a }))).toBe('unknown-container-type');
    expect(verdict(built({ formatVersion: 2 }))).toBe('unknown-container-version');
    expect(verdict(built({ dataType: 9 }))).toBe('unknown-form');
    const odd = sampleReceipt('1.2');
    const doc = encodeDocument({
      ...odd,
      fields: odd.fields.map((f) => (f.tag === 1209 ? { ...f, value: 9 } : f)),
    });
    if (!doc.ok) throw new Error(doc.error.message);
    expect(verdict(built({ document: doc.value }))).toBe('unknown-ffd-version');
  });

  it('refuses a damaged container and a message without one', () => {
    const b = built({});
    b[60] = b[60]! ^ 0x01;
    expect(verdict(b)).toBe('bad-crc');
  });
});
