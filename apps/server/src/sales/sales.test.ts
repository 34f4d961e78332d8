import { expect, it } from 'vitest';
import { describeStorage } from '@openkassa/db/testing';
import { sampleSale, type SalesDocument } from '@openkassa/contracts';
import { serverDbOptions } from '../migrations/index.js';
import type { ServerSchema } from '../schema.js';
import { shiftReport } from './sales.shifts.js';
import { serverSalesOutbox } from './sales.outbox.js';
import { SalesIngest } from './sales.service.js';
import { archiveSales } from './sales.archive.js';

const clock = { now: () => new Date('2026-11-21T10:00:00Z') };

describeStorage<ServerSchema>(
  'sales ingest',
  (ctx) => {
    const count = async (table: 'sales_documents' | 'sales_lines' | 'sales_outbox') =>
      Number(
        (
          await ctx
            .db()
            .db.selectFrom(table)
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    it('stores each document once: a re-send is a duplicate, a different document under a known id is rejected', async () => {
      const ingest = new SalesIngest(ctx.db(), { clock, forwardUpstream: false });
      const a = sampleSale({ store: 'A', number: 1 });
      const b = sampleSale({ store: 'A', number: 2 });
      const r1 = await ingest.ingest({ documents: [a, b] });
      expect(r1).toEqual({
        ok: true,
        results: [
          { id: a.id, status: 'stored' },
          { id: b.id, status: 'stored' },
        ],
      });
      const before = [await count('sales_documents'), await count('sales_lines')];
      const r2 = await ingest.ingest({ documents: [b, { ...a, total: a.total + 100 }] });
      expect(r2.ok && r2.results).toEqual([
        { id: b.id, status: 'duplicate' },
        {
          id: a.id,
          status: 'rejected',
          reason: expect.stringMatching(/^lines add up to \d+, total is \d+$/),
        },
      ]);
      const changed = { ...a, cashier: 'Петров' };
      const r3 = await ingest.ingest({ documents: [changed] });
      expect(r3.ok && r3.results[0]).toEqual({
        id: a.id,
        status: 'rejected',
        reason: `id ${a.id} is already used by a different document`,
      });
      expect([await count('sales_documents'), await count('sales_lines')]).toEqual(before);
    });

    it('tells copies of one id inside a batch apart: the first stored, the same again duplicate, a different one rejected', async () => {
      const ingest = new SalesIngest(ctx.db(), { clock, forwardUpstream: false });
      const a = sampleSale({ store: 'D', number: 1 });
      const r = await ingest.ingest({ documents: [a, a, { ...a, cashier: 'Другой' }] });
      expect(r.ok && r.results.map((x) => x.status)).toEqual(['stored', 'duplicate', 'rejected']);
      const stored = await ctx
        .db()
        .db.selectFrom('sales_documents')
        .select('cashier')
        .where('id', '=', a.id)
        .execute();
      expect(stored).toEqual([{ cashier: a.cashier }]);
    });

    it('rejects a malformed document with a reason naming the field and stores the rest of the batch', async () => {
      const ingest = new SalesIngest(ctx.db(), { clock, forwardUpstream: false });
      const good = sampleSale({ store: 'B', number: 1 });
      const bad = { ...sampleSale({ store: 'B', number: 2 }), total: -5 };
      const noId = { ...sampleSale({ store: 'B', number: 3 }), id: 'not-a-uuid' };
      const r = await ingest.ingest({ documents: [bad, good, noId, 42] });
      expect(r.ok && r.results.map((x) => [x.status, x.reason?.split(':')[0]])).toEqual([
        ['rejected', 'total'],
        ['stored', undefined],
        ['rejected', 'id'],
        ['rejected', '(body)'],
      ]);
      expect(await ingest.ingest({ documents: [] })).toEqual({ ok: false, reason: 'documents is empty' });
      expect(await ingest.ingest([good])).toEqual({ ok: false, reason: 'body must be {"documents": [...]}' });
    });

    it('stores every document exactly once under concurrent overlapping batches', async () => {
      const ingest = new SalesIngest(ctx.db(), { clock, forwardUpstream: true });
      const docs = Array.from({ length: 120 }, (_, i) =>
        sampleSale({ store: 'C', till: 'T9', shift: 4, number: i + 1 }),
      );
      const before = await count('sales_documents');
      // 8 "tills" each post overlapping windows of the same documents at once.
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, k) => ingest.ingest({ documents: docs.slice(k * 10, k * 10 + 40) })),
      );
      const stored = results.flatMap((r) => (r.ok ? r.results : [])).filter((x) => x.status === 'stored');
      expect(new Set(stored.map((s) => s.id)).size).toBe(stored.length);
      expect(stored.length).toBe(110); // windows cover documents 1..110
      expect(await count('sales_documents')).toBe(before + 110);
      // On a store server each stored document is queued once for the head office.
      const outbox = serverSalesOutbox(ctx.db());
      expect(await outbox.count()).toBe(110);
      const pending = await outbox.pending(500);
      await outbox.settle(pending.map((p) => ({ id: p.id, status: 'stored' as const })));
      expect(await outbox.count()).toBe(0);

      const report = await shiftReport(ctx.db(), 'C', 'T9', 4);
      const sold = docs.slice(0, 110);
      const sum = (f: (d: SalesDocument) => number) => sold.reduce((s, d) => s + f(d), 0);
      expect(report.sale).toEqual({
        count: 110,
        total: sum((d) => d.total),
        cash: sum((d) => d.payments.cash),
        card: sum((d) => d.payments.card),
      });
      expect(report.return.count).toBe(0);
      expect(report.closed).toBe(false);
    });

    it('archives only documents the head office already has, on a store server', async () => {
      const ingest = new SalesIngest(ctx.db(), { clock, forwardUpstream: true });
      const old = [1, 2, 3].map((n) =>
        sampleSale({ store: 'E', number: n, at: '2025-01-10T10:00:00+03:00' }),
      );
      await ingest.ingest({ documents: old });
      const outbox = serverSalesOutbox(ctx.db());
      expect(await archiveSales(ctx.db(), '2025-02-01')).toEqual({ documents: 0, lines: 0 });
      const pending = await outbox.pending(500);
      const first = pending.filter((p) => p.id === old[0]!.id);
      await outbox.settle(first.map((p) => ({ id: p.id, status: 'stored' as const })));
      expect(await archiveSales(ctx.db(), '2025-02-01')).toEqual({
        documents: 1,
        lines: old[0]!.lines.length,
      });
      await expect(archiveSales(ctx.db(), '1.2.2025')).rejects.toThrow(/"1.2.2025" is not a day/);
    });

    it('keeps a fiscalised document that breaks a rule, held for review (never refused), and forwards it; refuses one the ККТ did not fiscalise', async () => {
      const ingest = new SalesIngest(ctx.db(), { clock, forwardUpstream: true });
      const outbox = serverSalesOutbox(ctx.db());
      const [docsBefore, queuedBefore] = [await count('sales_documents'), await outbox.count()];
      const base = sampleSale({ store: 'REVIEW', number: 7, lines: 1 });
      // what a till without the shared check once sent: the ККТ printed 1,000,000,000 pieces
      const huge = {
        ...base,
        lines: [{ ...base.lines[0]!, quantity: '1000000000', sum: base.lines[0]!.price * 1e9 }],
        total: base.lines[0]!.price * 1e9,
        payments: { cash: 0, card: base.lines[0]!.price * 1e9 },
        fiscal: { fn: '9999078900005488', fd: 122, fp: '1234567890', shift: 1, at: base.at },
      };
      const notFiscal = { ...huge, id: crypto.randomUUID(), fiscal: undefined };
      const r = await ingest.ingest({ documents: [huge, notFiscal] });
      expect(r.ok && r.results).toEqual([
        {
          id: huge.id,
          status: 'stored',
          review: expect.stringMatching(/^lines\.0\.quantity: a decimal with up to 3 decimals/),
        },
        { id: notFiscal.id, status: 'rejected', reason: expect.stringMatching(/^lines\.0\.quantity/) },
      ]);
      // a re-send changes nothing
      const again = await ingest.ingest({ documents: [huge] });
      expect(again.ok && again.results[0]?.status).toBe('duplicate');
      const held = await ctx.db().db.selectFrom('sales_review').selectAll().execute();
      expect(held).toHaveLength(1);
      expect(held[0]).toMatchObject({
        id: huge.id,
        store: 'REVIEW',
        till: 'T1',
        fn: '9999078900005488',
        fd: 122,
      });
      expect(JSON.parse(held[0]!.payload_json)).toEqual(huge);
      expect(await count('sales_documents')).toBe(docsBefore);
      expect(ingest.rejected).toBe(1); // the one not fiscalised; the held one is counted above
      // it goes to the head office as it came, and leaves the queue once acknowledged
      expect(await outbox.count()).toBe(queuedBefore + 1);
      const pending = await outbox.pending(10_000);
      expect(pending.filter((p) => p.id === huge.id)).toEqual([{ id: huge.id, document: huge }]);
      await outbox.settle([{ id: huge.id, status: 'stored' }]);
      expect(await outbox.count()).toBe(queuedBefore);
      // the reconciliation lists it as held, not as a fiscal receipt without a till document
      const { reconcile } = await import('../reports/reconciliation.js');
      const rec = await reconcile(ctx.db(), { store: 'REVIEW' });
      expect(rec.counts['held-for-review']).toBe(1);
      expect(rec.gaps.find((g) => g.kind === 'held-for-review')).toMatchObject({
        fn: '9999078900005488',
        fd: 122,
        store: 'REVIEW',
      });
    });
  },
  serverDbOptions,
);
