import { expect, it } from 'vitest';
import { describeStorage } from '@openkassa/db/testing';
import { sampleSale } from '@openkassa/contracts';
import { buildReceipt, encodeDocument } from '@openkassa/fiscal';
import { serverDbOptions } from '../migrations/index.js';
import { recordAnswer, recordParsed, storeIncoming } from '../relay/relay.repo.js';
import { SalesIngest } from '../sales/sales.service.js';
import type { ServerSchema } from '../schema.js';
import { gapsTable, reconcile } from './reconciliation.js';
import { tableCsv } from './table.js';

const FN = '9999000000000901';

/** A receipt the ККТ would send for ФД `fd` with this total, as the relay parses it. */
function fiscalReceipt(fd: number, total: number) {
  const r = buildReceipt({
    ffd: '1.2',
    operationType: 1,
    taxation: 1,
    user: 'ООО "Сверка"',
    userInn: '7700000000',
    kktRegId: '0000000000000901',
    address: 'г. Москва',
    place: 'Магазин',
    cashier: 'Иванова',
    fnNumber: FN,
    fdNumber: fd,
    shiftNumber: 1,
    receiptNumber: fd,
    dateTime: 1795000000 + fd,
    fiscalSign: new Uint8Array(6),
    lines: [{ name: 'Товар', price: total, quantity: { mantissa: 1n, scale: 0 }, vatRate: 11 }],
    payments: { cash: total },
  });
  if (!r.ok) throw new Error(r.error);
  const bytes = encodeDocument(r.value);
  if (!bytes.ok) throw new Error(bytes.error.message);
  return { bytes: bytes.value, document: r.value };
}

describeStorage<ServerSchema>(
  'reconciliation of till, relay and OFD',
  (ctx) => {
    it('finds each seeded gap and nothing else', async () => {
      const db = ctx.db();
      const now = new Date().toISOString();
      const ingest = new SalesIngest(db, { clock: { now: () => new Date() }, forwardUpstream: false });
      const tillDoc = (fd: number, total: number) => {
        const d = sampleSale({ store: 'S1', till: 'T1', number: fd, lines: 1 });
        const line = { ...d.lines[0]!, price: total, sum: total, quantity: '1' };
        return {
          ...d,
          total,
          lines: [line],
          payments: { cash: total, card: 0 },
          fiscal: { fn: FN, fd, fp: '1', shift: 1, receiptNumber: fd, at: now },
        };
      };
      // ФД 2..5 at the relay; 2 and 3 confirmed by the OFD; 4 and 5 not.
      await db.transaction(async (tx) => {
        for (const [fd, total] of [
          [2, 1000],
          [3, 2000],
          [4, 3000],
          [5, 4000],
        ] as const) {
          const f = fiscalReceipt(fd, total);
          await storeIncoming(tx, { fn: FN, fd, form: 3, bytes: f.bytes, document: f.document }, now);
          await recordParsed(tx, { fn: FN, fd, document: f.document, receivedAt: now });
          if (fd <= 3) await recordAnswer(tx, { fn: FN, fd, answer: new Uint8Array([1]), code: 0, now });
        }
      });
      // The till sent 2 and 3 (3 with a different total), and 6, which never reached the relay;
      // 4 and 5 came through the relay with no till document.
      const r = await ingest.ingest({ documents: [tillDoc(2, 1000), tillDoc(3, 2500), tillDoc(6, 500)] });
      expect(r.ok && r.results.every((x) => x.status === 'stored')).toBe(true);

      const rec = await reconcile(db);
      expect(rec.counts).toEqual({
        'not-at-relay': 1,
        'no-till-document': 2,
        'sum-mismatch': 1,
        'not-confirmed': 2,
        'held-for-review': 0,
      });
      expect(rec.gaps.map((g) => [g.kind, g.fd])).toEqual([
        ['not-at-relay', 6],
        ['no-till-document', 4],
        ['no-till-document', 5],
        ['sum-mismatch', 3],
        ['not-confirmed', 4],
        ['not-confirmed', 5],
      ]);
      expect(rec.gaps.find((g) => g.kind === 'sum-mismatch')).toMatchObject({
        tillTotal: 2500,
        fiscalTotal: 2000,
        number: 3,
      });
      // the file the back office downloads: one line per gap, money in roubles
      const csv = tableCsv(gapsTable(rec.gaps, 'reconciliation')).trim().split('\n');
      expect(csv[0]).toBe('kind,fn,fd,store,till,number,till_total,fiscal_total,since,detail');
      expect(csv).toHaveLength(7);
      expect(csv.find((l) => l.startsWith('sum-mismatch'))).toMatch(
        /,3,25\.00,20\.00,,the till's total and the fiscal document's total differ$/,
      );
    });
  },
  serverDbOptions,
);
