import { describe, expect, it } from 'vitest';
import { parseReceiptQr, receiptQrPayload } from './receipt-qr.js';
import { sampleReceipt } from './test-support/documents.js';
import { fiscalTimeFromText, fiscalTimeToText } from './time.js';

describe('receipt QR payload', () => {
  it('builds t/s/fn/i/fp/n from the receipt, in fiscal local time', () => {
    const doc = sampleReceipt('1.05');
    expect(fiscalTimeToText(1795000000)).toBe('2026-11-18T11:06:40');
    expect(receiptQrPayload(doc)).toEqual({
      ok: true,
      value: 't=20261118T1106&s=489.96&fn=9999078900001366&i=1234&fp=2853205313&n=1',
    });
  });
  it('parses a scanned payload back', () => {
    expect(parseReceiptQr('t=20261118T1106&s=489.96&fn=9999078900001366&i=1234&fp=2853205313&n=1')).toEqual({
      ok: true,
      value: {
        time: '20261118T1106',
        total: 48996,
        fnNumber: '9999078900001366',
        fdNumber: 1234,
        fiscalSign: 2853205313,
        operationType: 1,
      },
    });
    expect(parseReceiptQr('t=2026&s=1')).toMatchObject({ ok: false });
  });
  it('names the tags a receipt lacks for its QR', () => {
    const doc = sampleReceipt('1.05');
    const r = receiptQrPayload({
      form: 3,
      fields: doc.fields.filter((f) => f.tag !== 1077 && f.tag !== 1040),
    });
    expect(r).toEqual({ ok: false, error: 'the receipt lacks tag(s) 1040, 1077 needed for its QR code' });
  });
  it('reads local fiscal time text', () => {
    expect(fiscalTimeFromText('2017-03-03T11:38:00')).toBe(1488541080);
    expect(fiscalTimeFromText('2017-02-30T11:38')).toBeUndefined();
  });
});
