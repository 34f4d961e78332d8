import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkDocument,
  childrenOf,
  findField,
  fromHex,
  numberOf,
  parseMessage,
  receiptView,
  shiftReportView,
  tagDef,
  type Field,
} from '@openkassa/fiscal';
import { isEmulatedDocumentSign } from '@openkassa/emulation';
import type { Database } from '@openkassa/db';
import { archive, DAY, HOUR, testDrive } from '../test-support.js';
import type { ReceiptCommand } from './fiscal-drive.js';
import type { KktSchema } from '../store.js';

const VECTORS = join(import.meta.dirname, '../../../../../shared/vectors/ofd');
const opened: Database<KktSchema>[] = [];
afterEach(async () => {
  for (const db of opened.splice(0)) await db.close();
});

async function drive(ffd: '1.05' | '1.2') {
  const d = await testDrive(ffd);
  opened.push(d.db);
  return d;
}

const sale = (overrides: Partial<ReceiptCommand> = {}): ReceiptCommand => ({
  operationType: 1,
  operator: { name: 'Иванова' },
  lines: [
    { name: 'Сыр весовой', price: 89900, quantity: { mantissa: 345n, scale: 3 }, vatRate: 11, measure: 11 },
    { name: 'Хлеб', price: 4500, quantity: { mantissa: 2n, scale: 0 }, vatRate: 2 },
  ],
  payments: { cash: 50000, card: 0, prepaid: 0, credit: 0, provision: 0 },
  ...overrides,
});

describe('fiscal drive emulator', () => {
  for (const ffd of ['1.05', '1.2'] as const) {
    it(`FFD ${ffd}: registers on first start, numbers documents, and every document passes ФЛК`, async () => {
      const { db, drive: fn } = await drive(ffd);
      await fn.init(); // a restart: no second registration
      const open = await db.transaction((tx) => fn.openShift(tx, { name: 'Иванова', vatin: '500100732259' }));
      const r1 = await db.transaction((tx) => fn.receipt(tx, sale()));
      const r2 = await db.transaction((tx) =>
        fn.receipt(
          tx,
          sale({ operationType: 2, payments: { cash: 40016, card: 0, prepaid: 0, credit: 0, provision: 0 } }),
        ),
      );
      const corr = await db.transaction((tx) =>
        fn.receipt(
          tx,
          sale({
            correction: {
              type: 0,
              baseDate: Date.UTC(2026, 10, 1) / 1000,
              baseNumber: '',
              baseName: 'самостоятельно',
            },
          }),
        ),
      );
      const close = await db.transaction((tx) => fn.closeShift(tx));
      expect([open, r1, r2, corr, close].map((r) => (r.ok ? r.value.fiscalDocumentNumber : r.error))).toEqual(
        [2, 3, 4, 5, 6],
      );
      expect(r1.ok && r1.value).toMatchObject({
        fiscalReceiptNumber: 1,
        total: 40016,
        shiftNumber: 1,
        fnNumber: '9999000000000042',
      });
      expect(close.ok && close.value.receiptsCount).toBe(3);

      const docs = await archive(db);
      expect(docs.map((d) => [d.fd, d.doc.form])).toEqual([
        [1, 1],
        [2, 2],
        [3, 3],
        [4, 3],
        [5, 31],
        [6, 5],
      ]);
      for (const d of docs) {
        const flk = checkDocument(d.doc);
        expect({ fd: d.fd, violations: flk.violations, warnings: flk.warnings }).toEqual({
          fd: d.fd,
          violations: [],
          warnings: [],
        });
        expect(flk.ffd).toBe(ffd);
        const sign = d.doc.fields.find((f) => f.tag === 1077)!.value as Uint8Array;
        expect(isEmulatedDocumentSign(sign)).toBe(true);
      }
      const sold = receiptView(docs[2]!.doc)!;
      expect(sold).toMatchObject({
        total: 40016,
        payments: { cash: 40016 },
        vat: { 1102: 5593, 1103: 818 },
        cashier: 'Иванова',
      });
      const z = shiftReportView(docs[5]!.doc)!;
      expect(z).toMatchObject({
        kind: 'close',
        shiftNumber: 1,
        receiptsCount: 3,
        documentsCount: 5,
        unsentCount: 5,
      });
      if (ffd === '1.2') {
        const counters = childrenOf(findField(docs[5]!.doc.fields, 1194))!;
        const sell = childrenOf(findField(counters, 1129))!;
        expect([numberOf(counters, 1134), numberOf(sell, 1135), numberOf(sell, 1201)]).toEqual([3, 2, 80032]);
      }
    });
  }

  it('refuses receipts and cash moves without an open shift, and a second open shift', async () => {
    const { db, drive: fn } = await drive('1.2');
    expect(await db.transaction((tx) => fn.receipt(tx, sale()))).toMatchObject({
      ok: false,
      error: { code: 73 },
    });
    expect(await db.transaction((tx) => fn.cashMove(tx, 'in', 100))).toMatchObject({
      ok: false,
      error: { code: 73 },
    });
    expect(await db.transaction((tx) => fn.closeShift(tx))).toMatchObject({ ok: false, error: { code: 73 } });
    await db.transaction((tx) => fn.openShift(tx));
    expect(await db.transaction((tx) => fn.openShift(tx))).toMatchObject({ ok: false, error: { code: 83 } });
    expect((await archive(db)).length).toBe(2);
  });

  it('a shift longer than 24 hours refuses sales until it is closed', async () => {
    const { db, drive: fn, clock } = await drive('1.05');
    await db.transaction((tx) => fn.openShift(tx));
    clock.advance(23 * HOUR);
    expect((await db.transaction((tx) => fn.receipt(tx, sale()))).ok).toBe(true);
    clock.advance(HOUR + 1000);
    expect(
      fn.shiftState({ shift_open: 1, shift_opened_at: new Date(clock.t - 24 * HOUR - 1000).toISOString() }),
    ).toBe('expired');
    expect(await db.transaction((tx) => fn.receipt(tx, sale()))).toMatchObject({
      ok: false,
      error: { code: 68, description: 'Смена превысила 24 часа' },
    });
    expect(await db.transaction((tx) => fn.cashMove(tx, 'in', 100))).toMatchObject({
      ok: false,
      error: { code: 68 },
    });
    expect(await db.transaction((tx) => fn.openShift(tx))).toMatchObject({ ok: false, error: { code: 68 } });
    expect((await db.transaction((tx) => fn.closeShift(tx))).ok).toBe(true);
    expect((await db.transaction((tx) => fn.openShift(tx))).ok).toBe(true);
    expect((await db.transaction((tx) => fn.receipt(tx, sale()))).ok).toBe(true);
  });

  it('blocks new documents when the oldest unconfirmed one is older than 30 days, until the OFD confirms it', async () => {
    const { db, drive: fn, clock } = await drive('1.2');
    await db.transaction((tx) => fn.openShift(tx));
    await db.transaction((tx) => fn.closeShift(tx));
    clock.advance(2 * DAY + HOUR);
    // after two days without confirmation the shift reports carry the 1053 flag
    await db.transaction((tx) => fn.openShift(tx));
    const flagged = (await archive(db)).at(-1)!.doc;
    expect(numberOf(flagged.fields, 1053)).toBe(1);
    await db.transaction((tx) => fn.closeShift(tx));
    clock.advance(28 * DAY);
    const blocked = await db.transaction((tx) => fn.openShift(tx));
    expect(blocked).toMatchObject({ ok: false, error: { code: 140 } });
    const before = (await archive(db)).length;
    // the OFD confirms everything: the ФН works again
    await db.db
      .updateTable('fn_documents')
      .set({ confirmed_at: clock.now().toISOString(), answer_code: 0 })
      .execute();
    expect((await db.transaction((tx) => fn.openShift(tx))).ok).toBe(true);
    expect((await archive(db)).length).toBe(before + 1);
  });

  it('keeps the cash drawer: no cash-out or cash refund beyond what is in it', async () => {
    const { db, drive: fn } = await drive('1.2');
    await db.transaction((tx) => fn.openShift(tx));
    expect(await db.transaction((tx) => fn.cashMove(tx, 'in', 10000))).toEqual({
      ok: true,
      value: { cashSum: 10000 },
    });
    expect(await db.transaction((tx) => fn.cashMove(tx, 'out', 20000))).toMatchObject({
      ok: false,
      error: { code: 80 },
    });
    const refund = sale({
      operationType: 2,
      payments: { cash: 40016, card: 0, prepaid: 0, credit: 0, provision: 0 },
    });
    expect(await db.transaction((tx) => fn.receipt(tx, refund))).toMatchObject({
      ok: false,
      error: { code: 80 },
    });
    expect((await db.transaction((tx) => fn.receipt(tx, sale()))).ok).toBe(true); // +400.16 cash, 500 given
    expect((await db.transaction((tx) => fn.receipt(tx, refund))).ok).toBe(true);
    expect(await db.transaction((tx) => fn.cashMove(tx, 'out', 10000))).toEqual({
      ok: true,
      value: { cashSum: 0 },
    });
  });

  it('refuses underpaid receipts, too much non-cash and a wrong declared total', async () => {
    const { db, drive: fn } = await drive('1.2');
    await db.transaction((tx) => fn.openShift(tx));
    const pay = (cash: number, card: number) => ({ cash, card, prepaid: 0, credit: 0, provision: 0 });
    expect(await db.transaction((tx) => fn.receipt(tx, sale({ payments: pay(10000, 0) })))).toMatchObject({
      ok: false,
      error: { code: 66 },
    });
    expect(await db.transaction((tx) => fn.receipt(tx, sale({ payments: pay(0, 50000) })))).toMatchObject({
      ok: false,
      error: { code: 52 },
    });
    expect(await db.transaction((tx) => fn.receipt(tx, sale({ total: 40000 })))).toMatchObject({
      ok: false,
      error: { code: 227 },
    });
    expect(await db.transaction((tx) => fn.receipt(tx, sale({ taxation: 32 })))).toMatchObject({
      ok: false,
      error: { code: 143 },
    });
    expect((await archive(db)).length).toBe(2);
  });

  it('FFD 1.05 messages have the layout of the real recorded message', async () => {
    const { db, drive: fn } = await drive('1.05');
    await db.transaction((tx) => fn.openShift(tx));
    await db.transaction((tx) => fn.receipt(tx, sale()));
    const real = parseMessage(
      fromHex(readFileSync(join(VECTORS, 'yandex-ofd_kkt-to-ofd_msg_doc11_ffd105.hex'), 'utf8'))!,
    );
    if (!real.ok) throw new Error(real.error.message);
    const realBytes = fromHex(
      readFileSync(join(VECTORS, 'yandex-ofd_kkt-to-ofd_msg_doc11_ffd105.hex'), 'utf8'),
    )!;
    for (const { fd, doc, message } of await archive(db)) {
      const m = parseMessage(message);
      if (!m.ok) throw new Error(m.error.message);
      const c = m.value.container!;
      // session header: signature, S-version, P-version, flags and CRC as the real ФН writes them
      expect(Array.from(message.subarray(0, 8))).toEqual(Array.from(realBytes.subarray(0, 8)));
      expect(m.value.header).toMatchObject({
        fnNumber: '9999000000000042',
        flags: real.value.header.flags,
        crc: 0,
        bodyLength: message.length - 30,
      });
      // container header: same type, format, service data 1; ФН in BCD; ФД big-endian; doc length at the end
      expect(c.header).toMatchObject({
        containerType: real.value.container!.header.containerType,
        formatVersion: real.value.container!.header.formatVersion,
        fnNumber: '9999000000000042',
        fdNumber: fd,
        length: message.length - 30,
      });
      expect(c.header.serviceData1).toEqual(real.value.container!.header.serviceData1);
      expect((c.header.serviceData2[10]! << 8) | c.header.serviceData2[11]!).toBe(c.documentBytes!.length);
      expect(c.crcValid).toBe(true);
      // the ФПС trailer: 10 bytes starting 81 06, like the real one
      expect(c.trailer.length).toBe(real.value.container!.trailer.length);
      expect(Array.from(c.trailer.subarray(0, 2))).toEqual([0x81, 0x06]);
      // every tag the real document also has is encoded with the same type and width
      const realDoc = real.value.container!.document!;
      const width = (fields: readonly Field[], tag: number) => {
        const f = fields.find((x) => x.tag === tag);
        return f === undefined
          ? undefined
          : typeof f.value === 'string'
            ? f.value.length
            : f.value instanceof Uint8Array
              ? f.value.length
              : 'n';
      };
      for (const f of doc.fields) {
        if (!realDoc.fields.some((x) => x.tag === f.tag) || !tagDef(f.tag)?.fixedLength) continue;
        expect({ tag: f.tag, width: width(doc.fields, f.tag) }).toEqual({
          tag: f.tag,
          width: width(realDoc.fields, f.tag),
        });
      }
      expect(numberOf(doc.fields, 1209)).toBe(numberOf(realDoc.fields, 1209));
    }
  });
});
