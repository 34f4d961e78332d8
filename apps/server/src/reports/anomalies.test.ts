import { expect, it } from 'vitest';
import { sampleSale, type SalesDocument } from '@openkassa/contracts';
import { describeStorage } from '@openkassa/db/testing';
import { serverDbOptions } from '../migrations/index.js';
import { SalesIngest } from '../sales/sales.service.js';
import type { ServerSchema } from '../schema.js';
import { anomalyReport } from './anomalies.js';

/**
 * Ten cashiers in two stores sell alike; one returns far more than the rest, one voids far more
 * and needs a supervisor's PIN for nearly everything.
 */
function month(): SalesDocument[] {
  const docs: SalesDocument[] = [];
  let n = 0;
  const approval = { by: 'petrova', name: 'Петрова Е.', role: 'senior', permission: 'return' };
  for (let c = 0; c < 10; c++) {
    const store = c < 5 ? 'S1' : 'S2';
    const cashier = `Кассир ${c}`;
    for (let i = 0; i < 40; i++) {
      const at = `2026-11-${String(1 + (i % 28)).padStart(2, '0')}T12:00:00+03:00`;
      const sale = { ...sampleSale({ store, till: `T${c}`, number: ++n, at }), cashier };
      docs.push(sale);
      const returns = c === 3 ? 12 : 1; // cashier 3 returns a lot
      if (i < returns)
        docs.push({
          ...sale,
          id: crypto.randomUUID(),
          kind: 'return',
          number: ++n,
          originalId: sale.id,
          ...(c === 7 && { approval }),
        });
      const voids = c === 7 ? 15 : i % 20 === 0 ? 1 : 0; // cashier 7 voids a lot, with approvals
      if (i < voids) {
        const v = sampleSale({ store, till: `T${c}`, number: ++n, at, lines: 1 });
        docs.push({
          ...v,
          kind: 'void',
          cashier,
          payments: { cash: 0, card: 0 },
          ...(c === 7 && { approval: { ...approval, permission: 'void' } }),
        });
      }
    }
  }
  return docs;
}

describeStorage<ServerSchema>(
  'anomaly report',
  (ctx) => {
    it('counts returns, voids and approvals per cashier and marks those far above the others', async () => {
      const docs = month();
      const ingest = new SalesIngest(ctx.db(), { clock: { now: () => new Date() }, forwardUpstream: false });
      for (let i = 0; i < docs.length; i += 400) {
        const r = await ingest.ingest({ documents: docs.slice(i, i + 400) });
        expect(r.ok && r.results.filter((x) => x.status !== 'stored')).toEqual([]);
      }
      const r = await anomalyReport(ctx.db(), { from: '2026-11-01', to: '2026-11-30' });
      expect(r.rows).toHaveLength(10);
      for (const row of r.rows) {
        const mine = docs.filter((d) => d.cashier === row.cashier && d.store === row.store);
        const of = (k: string) => mine.filter((d) => d.kind === k);
        expect(row).toMatchObject({
          sales: of('sale').length,
          returns: { count: of('return').length, total: of('return').reduce((s, d) => s + d.total, 0) },
          voids: { count: of('void').length, total: of('void').reduce((s, d) => s + d.total, 0) },
          approvals: mine.filter((d) => d.approval).length,
        });
      }
      const marked = Object.fromEntries(
        r.rows.filter((x) => x.outliers.length > 0).map((x) => [x.cashier, x.outliers]),
      );
      expect(marked).toEqual({ 'Кассир 3': ['returns'], 'Кассир 7': ['voids', 'approvals'] });
      // one store only
      const s1 = await anomalyReport(ctx.db(), { from: '2026-11-01', to: '2026-11-30', stores: ['S1'] });
      expect(s1.rows.map((x) => x.store)).toEqual(Array(5).fill('S1'));
    });
  },
  serverDbOptions,
);
