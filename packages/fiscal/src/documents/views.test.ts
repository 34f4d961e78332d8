import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../bytes.js';
import { sampleReceipt } from '../test-support/documents.js';
import { parseContainer } from '../wire/container.js';
import { parseMessage } from '../wire/message.js';
import type { FiscalDocument } from './document.js';
import { documentHeader, receiptView, registrationView, shiftReportView, stateReportView } from './views.js';

const VECTORS = join(import.meta.dirname, '../../../../../shared/vectors/ofd');
const msgDoc = (name: string): FiscalDocument => {
  const m = parseMessage(fromHex(readFileSync(join(VECTORS, name), 'utf8'))!);
  if (!m.ok || !m.value.container?.document) throw new Error(name);
  return m.value.container.document;
};

describe('document views', () => {
  it('reads a receipt with its items, payments and VAT', () => {
    const v = receiptView(sampleReceipt('1.2'))!;
    expect(v).toMatchObject({
      form: 3,
      ffd: '1.2',
      correction: false,
      fnNumber: '9999078900001366',
      fdNumber: 1234,
      fiscalSign: 2853205313,
      shiftNumber: 12,
      receiptNumber: 7,
      operationType: 1,
      total: 48996,
      payments: { cash: 10000, card: 38996, prepaid: 0, credit: 0, provision: 0 },
      vat: { 1102: 5593, 1103: 1635 },
      kktRegId: '0000000001012345',
      place: 'Магазин №1',
    });
    expect(v.items[1]).toEqual({
      name: 'Сыр весовой',
      price: 89900,
      quantity: { mantissa: 345n, scale: 3 },
      sum: 31016,
      vatRate: 11,
      vatSum: 5593,
      paymentMethod: 4,
      productType: 1,
      measure: 11,
    });
  });

  it('reads the recorded yandex receipt (FFD 1.0 layout)', () => {
    const v = receiptView(msgDoc('synthetic_kkt-to-ofd_msg_receipt_doc3.hex'))!;
    expect(v).toMatchObject({
      ffd: '1.0',
      total: 10750,
      payments: { cash: 3250, card: 7500 },
      cashier: 'СИС. АДМИНИСТРАТОР',
    });
    expect(v.items).toEqual([
      { name: 'Тестовый товар', price: 2150, quantity: { mantissa: 50n, scale: 1 }, sum: 10750 },
    ]);
  });

  it('reads the recorded re-registration report', () => {
    const v = registrationView(msgDoc('yandex-ofd_kkt-to-ofd_msg_doc11_ffd105.hex'))!;
    expect(v).toMatchObject({
      reregistration: true,
      ffd: '1.05',
      fnNumber: '9999078900005488',
      taxationSystems: 6,
      ofdInn: '7704358518',
      ofdName: 'OOO TAXCOM',
      encrypted: false,
      autonomous: false,
      kktSerial: '000000000002',
    });
    const c = parseContainer(
      fromHex(readFileSync(join(VECTORS, 'yandex-ofd_container_doc1_ffd10.hex'), 'utf8'))!,
    );
    expect(c.ok && registrationView(c.value.document!)).toMatchObject({
      reregistration: false,
      ffd: '1.0',
      user: 'ООО "МММ"',
    });
  });

  it('reads shift and state reports, and refuses other forms', () => {
    const close: FiscalDocument = {
      form: 5,
      fields: [
        { tag: 1038, value: 4 },
        { tag: 1118, value: 120 },
        { tag: 1111, value: 122 },
        { tag: 1097, value: 3 },
        { tag: 1098, value: 1795000000 },
        { tag: 1053, value: 0 },
      ],
    };
    expect(shiftReportView(close)).toEqual({
      form: 5,
      ffd: '1.0',
      kind: 'close',
      shiftNumber: 4,
      receiptsCount: 120,
      documentsCount: 122,
      unsentCount: 3,
      firstUnsentTime: 1795000000,
      ofdTimeoutFlag: false,
    });
    expect(stateReportView({ form: 21, fields: [{ tag: 1097, value: 0 }] })).toEqual({
      form: 21,
      ffd: '1.0',
      kind: 'current-state',
      unsentCount: 0,
    });
    expect(receiptView(close)).toBeUndefined();
    expect(shiftReportView(sampleReceipt('1.05'))).toBeUndefined();
    expect(documentHeader(close)).toEqual({ form: 5, ffd: '1.0' });
  });
});
