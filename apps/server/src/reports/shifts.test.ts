import { verifyAudit } from '../sales/sales.verify.js';
import { expect, it } from 'vitest';
import { describeStorage } from '@openkassa/db/testing';
import { sampleSale, salesDocumentProblem, type SalesDocument } from '@openkassa/contracts';
import { openDatabase } from '@openkassa/db';
import { createTestDatabase } from '@openkassa/db/testing';
import { serverDbOptions, serverMigrations } from '../migrations/index.js';
import { archiveSales } from '../sales/sales.archive.js';
import { canonicalJson, documentRow, lineRows, payloadHash } from '../sales/sales.repo.js';
import { SalesIngest } from '../sales/sales.service.js';
import type { ServerSchema } from '../schema.js';
import { salesReport } from './reports.repo.js';
import { cashierReport, shiftsReport } from './shifts.js';

/** Two stores, two tills each, a shift a day over the turn of a month; cashiers sell, return and void. */
function shifts(): SalesDocument[] {
  const docs: SalesDocument[] = [];
  let n = 0;
  const cashiers = ['Иванова', 'Петров', 'Сидорова'];
  for (const store of ['S1', 'S2'])
    for (const till of ['T1', 'T2'])
      for (const [s, day] of ['2026-10-30', '2026-10-31', '2026-11-01', '2026-11-02'].entries()) {
        const shift = s + 1;
        const at = (h: number) => `${day}T${String(h).padStart(2, '0')}:00:00+03:00`;
        const base = (kind: SalesDocument['kind'], h: number) => ({
          ...sampleSale({ store, till, shift, number: ++n, at: at(h), lines: 1 }),
          kind,
          lines: [],
          total: 0,
          payments: { cash: 0, card: 0 },
        });
        docs.push(base('shiftOpen', 8));
        let sold = 0;
        let soldCount = 0;
        let back = 0;
        let backCount = 0;
        for (let i = 0; i < 5; i++) {
          const sale = {
            ...sampleSale({ store, till, shift, number: ++n, at: at(9 + i) }),
            cashier: cashiers[(n + i) % 3]!,
          };
          docs.push(sale);
          sold += sale.total;
          soldCount++;
          if (i === 2) {
            const ret = {
              ...sale,
              id: crypto.randomUUID(),
              kind: 'return' as const,
              number: ++n,
              originalId: sale.id,
            };
            docs.push(ret);
            back += ret.total;
            backCount++;
          }
          if (i % 2 === 0) {
            const v = sampleSale({ store, till, shift, number: ++n, at: at(9 + i), lines: 1 + (i % 3) });
            docs.push({ ...v, kind: 'void', cashier: sale.cashier, payments: { cash: 0, card: 0 } });
          }
        }
        docs.push({ ...base('cashIn', 8), total: 500_00 });
        // the ККТ of S2/T2 counted one sale less on 2026-11-01: that shift disagrees
        const off = store === 'S2' && till === 'T2' && day === '2026-11-01' ? 1 : 0;
        docs.push({
          ...base('shiftClose', 22),
          kktTotals: {
            sell: { count: soldCount - off, sum: sold },
            sellReturn: { count: backCount, sum: back },
            cashInDrawer: 0,
          },
        });
      }
  return docs;
}

describeStorage<ServerSchema>(
  'X/Z per shift, returns and voids per cashier',
  (ctx) => {
    it('lists every shift with its totals beside the ККТ’s, and per cashier sales, returns and voids, across the archive', async () => {
      const docs = shifts();
      for (const d of docs) expect(salesDocumentProblem(d)).toBeUndefined();
      const ingest = new SalesIngest(ctx.db(), { clock: { now: () => new Date() }, forwardUpstream: false });
      const r = await ingest.ingest({ documents: docs });
      expect(r.ok && r.results.filter((x) => x.status !== 'stored')).toEqual([]);

      const check = async () => {
        const list = await shiftsReport(ctx.db(), { from: '2026-10-31', to: '2026-11-01' });
        expect(list.map((s) => `${s.store}/${s.till}/${s.shift}`)).toEqual(
          ['S1/T1', 'S1/T2', 'S2/T1', 'S2/T2'].flatMap((t) => [`${t}/2`, `${t}/3`]),
        );
        for (const s of list) {
          const mine = docs.filter((d) => d.store === s.store && d.till === s.till && d.shift === s.shift);
          const sum = (k: string) => mine.filter((d) => d.kind === k).reduce((a, d) => a + d.total, 0);
          const count = (k: string) => mine.filter((d) => d.kind === k).length;
          expect([s.sale.count, s.sale.total, s.return.count, s.return.total, s.cashIn]).toEqual([
            count('sale'),
            sum('sale'),
            count('return'),
            sum('return'),
            sum('cashIn'),
          ]);
          expect(s.openedAt).toBe(mine.find((d) => d.kind === 'shiftOpen')!.at);
          expect(s.closedAt).toBe(mine.find((d) => d.kind === 'shiftClose')!.at);
          expect(s.agree).toBe(!(s.store === 'S2' && s.till === 'T2' && s.shift === 3));
        }
        // page by page (3 shifts each) gives the same list
        const pages: typeof list = [];
        for (let after: (typeof list)[number] | undefined; ;) {
          const page = await shiftsReport(ctx.db(), {
            from: '2026-10-31',
            to: '2026-11-01',
            limit: 3,
            ...(after && { after }),
          });
          pages.push(...page);
          if (page.length < 3) break;
          after = page.at(-1);
        }
        expect(pages).toEqual(list);
        expect(
          await shiftsReport(ctx.db(), { from: '2026-11-02', to: '2026-11-02', store: 'S1', till: 'T2' }),
        ).toEqual([expect.objectContaining({ store: 'S1', till: 'T2', shift: 4, agree: true })]);

        for (const [from, to] of [
          ['2026-10-30', '2026-11-02'],
          ['2026-10-01', '2026-11-30'],
          ['2026-11-02', '2026-11-02'],
        ] as const) {
          const inPeriod = docs.filter((d) => d.at.slice(0, 10) >= from && d.at.slice(0, 10) <= to);
          const want = new Map<string, Record<string, [number, number]>>();
          for (const d of inPeriod) {
            const f = { sale: 'sales', return: 'returns', void: 'voids' }[d.kind as string];
            if (!f) continue;
            const k = `${d.store}/${d.cashier}`;
            const w = want.get(k) ?? { sales: [0, 0], returns: [0, 0], voids: [0, 0] };
            w[f] = [w[f]![0] + 1, w[f]![1] + d.total];
            want.set(k, w);
          }
          const got = await cashierReport(ctx.db(), { from, to });
          expect(
            new Map(
              got.map((g) => [
                `${g.store}/${g.cashier}`,
                {
                  sales: [g.sales.count, g.sales.total],
                  returns: [g.returns.count, g.returns.total],
                  voids: [g.voids.count, g.voids.total],
                },
              ]),
            ),
          ).toEqual(want);
          // voids move no money: the sales reports do not see them
          const byStore = await salesReport(ctx.db(), { by: 'store', from, to });
          expect(byStore.reduce((a, x) => a + x.sales + x.returned, 0)).toBe(
            inPeriod.filter((d) => d.kind === 'sale' || d.kind === 'return').reduce((a, d) => a + d.total, 0),
          );
        }
        const s2 = await cashierReport(ctx.db(), { from: '2026-10-30', to: '2026-11-02', stores: ['S2'] });
        expect(s2.length).toBeGreaterThan(0); // not true of an empty list alone
        expect(s2.every((c) => c.store === 'S2')).toBe(true);
      };
      await check();
      await archiveSales(ctx.db(), '2026-11-02');
      await check();
    });

    it('fills the shift sums from the documents stored before they existed, archived ones included', async () => {
      const docs = shifts().filter((d) => d.store === 'S1');
      const t = await createTestDatabase(ctx.dialect);
      const names = Object.keys(serverMigrations);
      const before = Object.fromEntries(
        names.slice(0, names.indexOf('0011-shift-rollup')).map((n) => [n, serverMigrations[n]!]),
      );
      const old = openDatabase<ServerSchema>(t.config, { ...serverDbOptions, migrations: before });
      try {
        await old.migrate();
        await old.db
          .insertInto('sales_documents')
          // the row as it was before the audit log (no audit_seq column yet)
          .values(
            docs.map((d) =>
              withoutAuditSeq(documentRow(d, canonicalJson(d), payloadHash(canonicalJson(d)), d.at)),
            ),
          )
          .execute();
        const lines = docs.flatMap(lineRows);
        if (lines.length > 0) await old.db.insertInto('sales_lines').values(lines).execute();
        await archiveSales(old, '2026-11-01');
      } finally {
        await old.close();
      }
      const db = openDatabase<ServerSchema>(t.config, serverDbOptions);
      try {
        expect((await db.migrate()).applied).toEqual([
          '0011-shift-rollup',
          '0012-security',
          '0013-back-office',
          '0014-parse-after-store',
          '0015-sales-review',
        ]);
        // the audit log's first entry covers the documents stored before it, archived ones too
        const v = await verifyAudit(db);
        expect(v.problems.slice(0, 3)).toEqual([]);
        expect(v).toMatchObject({ ok: true, entries: 1, documents: docs.length });
        const got = await shiftsReport(db, { from: '2026-10-01', to: '2026-11-30' });
        expect(got).toHaveLength(8);
        for (const s of got) {
          const mine = docs.filter((d) => d.till === s.till && d.shift === s.shift);
          const of = (k: string) => mine.filter((d) => d.kind === k);
          const sum = (k: string) => of(k).reduce((a, d) => a + d.total, 0);
          expect(s).toEqual({
            store: 'S1',
            till: s.till,
            shift: s.shift,
            openedAt: of('shiftOpen')[0]!.at,
            closedAt: of('shiftClose')[0]!.at,
            sale: {
              count: of('sale').length,
              total: sum('sale'),
              cash: of('sale').reduce((a, d) => a + d.payments.cash, 0),
              card: of('sale').reduce((a, d) => a + d.payments.card, 0),
            },
            return: {
              count: of('return').length,
              total: sum('return'),
              cash: of('return').reduce((a, d) => a + d.payments.cash, 0),
              card: of('return').reduce((a, d) => a + d.payments.card, 0),
            },
            cashIn: sum('cashIn'),
            cashOut: 0,
            kkt: of('shiftClose')[0]!.kktTotals,
            agree: true,
          });
        }
      } finally {
        await db.close();
        await t.drop();
      }
    });
  },
  serverDbOptions,
);

const withoutAuditSeq = <T extends { audit_seq: unknown }>(row: T): Omit<T, 'audit_seq'> =>
  Object.fromEntries(Object.entries(row).filter(([k]) => k !== 'audit_seq')) as Omit<T, 'audit_seq'>;
