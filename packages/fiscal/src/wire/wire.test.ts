import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeDocument } from '../documents/document.js';
import { checkDocument } from '../flk/flk.js';
import { sampleReceipt } from '../test-support/documents.js';
import { bcdToFn, buildContainer, fnToBcd, parseContainer } from './container.js';
import { buildMessage, frameLength, messageFiscalSign, parseMessage } from './message.js';
import { buildOperatorAck, readOperatorAck } from './operator-ack.js';
import { buildSessionMessage, parseSessionHeader } from './session-header.js';

const FN = '9999078900001366';

function receiptMessage() {
  const doc = encodeDocument(sampleReceipt('1.2'));
  if (!doc.ok) throw new Error(doc.error.message);
  const trailer = Uint8Array.of(0x81, 0x06, 1, 2, 3, 4, 5, 6, 0, 0);
  const m = buildMessage({
    pVersion: 0x0120,
    fnNumber: FN,
    fdNumber: 1234,
    dataType: 3,
    document: doc.value,
    trailer,
  });
  if (!m.ok) throw new Error(m.error.message);
  return { bytes: m.value, doc: doc.value, trailer };
}

describe('OFD messages', () => {
  it('build → parse gives back header fields, document and trailer', () => {
    const { bytes, doc, trailer } = receiptMessage();
    const m = parseMessage(bytes);
    if (!m.ok) throw new Error(m.error.message);
    expect(m.value.header).toMatchObject({
      pVersion: 0x0120,
      fnNumber: FN,
      bodyLength: bytes.length - 30,
      flags: 0x14,
    });
    const c = m.value.container!;
    expect(c.header).toMatchObject({
      containerType: 0xa5,
      dataType: 3,
      fnNumber: FN,
      fdNumber: 1234,
      length: bytes.length - 30,
    });
    expect(c.crcValid).toBe(true);
    expect(c.documentBytes).toEqual(doc);
    expect(c.trailer).toEqual(trailer);
    expect((c.header.serviceData2[10]! << 8) | c.header.serviceData2[11]!).toBe(doc.length);
    expect(messageFiscalSign(c.trailer)).toBe(String(0x8106010203040506n));
    expect(checkDocument(c.document!).ok).toBe(true);
  });

  it('detects a corrupted container by its CRC', () => {
    const { bytes } = receiptMessage();
    const bad = bytes.slice();
    bad[100]! ^= 0x01;
    const m = parseMessage(bad);
    expect(m.ok && m.value.container!.crcValid).toBe(false);
  });

  it('treats a body that is not a TLV of its form code as opaque (encrypted)', () => {
    const c = buildContainer({
      dataType: 3,
      fnNumber: FN,
      fdNumber: 9,
      document: Uint8Array.of(0x52, 0xcd, 0x11, 0x90, 0x01),
    });
    const p = c.ok ? parseContainer(c.value) : undefined;
    expect(p?.ok && p.value.document).toBeUndefined();
    expect(p?.ok && p.value.trailer.length).toBe(5);
  });

  it('frames a stream: needs 30 bytes, then knows the length, and refuses foreign headers', () => {
    const { bytes } = receiptMessage();
    expect(frameLength(bytes.subarray(0, 29))).toEqual({ ok: true, value: undefined });
    expect(frameLength(bytes.subarray(0, 3))).toEqual({ ok: true, value: undefined });
    expect(frameLength(Uint8Array.of(0x2a, 0x08, 0x00))).toMatchObject({
      ok: false,
      error: { code: 'bad-signature', offset: 2 },
    });
    expect(frameLength(bytes.subarray(0, 30))).toEqual({ ok: true, value: bytes.length });
    expect(frameLength(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n12345'))).toMatchObject({
      ok: false,
      error: { code: 'bad-signature' },
    });
  });

  it('computes and checks the session CRC when the flags ask for it', () => {
    const body = Uint8Array.of(1, 2, 3);
    for (const flags of [0x11, 0x12]) {
      const m = buildSessionMessage({ pVersion: 1, fnNumber: FN, flags }, body);
      if (!m.ok) throw new Error(m.error.message);
      const h = parseSessionHeader(m.value);
      expect(h.ok && h.value.crc).not.toBe(0);
      const parsed = parseMessage(m.value);
      expect(parsed.ok && parsed.value.sessionCrcValid).toBe(true);
    }
  });

  it('rejects wrong lengths, forbidden flags and bad ФН numbers with a reason', () => {
    const { bytes } = receiptMessage();
    expect(parseMessage(bytes.subarray(0, bytes.length - 1))).toMatchObject({
      ok: false,
      error: { code: 'truncated' },
    });
    const flags = bytes.slice();
    flags[26] = 0x03;
    expect(parseMessage(flags)).toMatchObject({ ok: false, error: { code: 'bad-flags' } });
    expect(
      buildMessage({ fnNumber: '12345', fdNumber: 1, dataType: 3, document: new Uint8Array() }),
    ).toMatchObject({ ok: false, error: { code: 'bad-fn-number' } });
  });

  it('packed BCD of ФН numbers round-trips, spaces as F', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{10,16}$/), (digits) => {
        const fn = digits.padEnd(16, ' ');
        expect(bcdToFn(fnToBcd(fn)!)).toBe(fn);
      }),
    );
    expect(Array.from(fnToBcd('9999078900005488')!)).toEqual([
      0x99, 0x99, 0x07, 0x89, 0x00, 0x00, 0x54, 0x88,
    ]);
  });

  it('random bytes and corrupted messages only give typed errors or values', () => {
    const { bytes } = receiptMessage();
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (rnd, at, b) => {
          const r1 = parseMessage(rnd);
          if (!r1.ok) expect(typeof r1.error.code).toBe('string');
          const copy = bytes.slice();
          copy[at % copy.length] = b;
          const r2 = parseMessage(copy);
          if (!r2.ok) expect(r2.error.message.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('operator answers (form 7)', () => {
  const fpo = new Uint8Array(18).fill(7);
  it('FFD 1.05 answer carries 1068 {1022}, passes ФЛК and reads back', () => {
    const ack = buildOperatorAck({
      ffd: '1.05',
      ofdInn: '7704358518',
      fnNumber: FN,
      fdNumber: 1234,
      dateTime: 1795000100,
      code: 0,
      fpo,
    });
    expect(checkDocument(ack).violations).toEqual([]);
    expect(readOperatorAck(ack)).toEqual({
      code: 0,
      ofdInn: '7704358518  ',
      fnNumber: FN,
      fdNumber: 1234,
      dateTime: 1795000100,
      fpo,
    });
  });
  it('FFD 1.2 answer with a ФЛК error sets the 1206 flag and reads back as code 14', () => {
    const ack = buildOperatorAck({
      ffd: '1.2',
      ofdInn: '7704358518',
      fnNumber: FN,
      fdNumber: 3,
      dateTime: 1,
      code: 14,
      fpo,
    });
    expect(readOperatorAck(ack)).toMatchObject({ code: 14, operatorFlags: 2 });
  });
});
