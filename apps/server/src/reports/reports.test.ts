import { expect, it } from 'vitest';
import { describeStorage } from '@openkassa/db/testing';
import type { SalesDocument } from '@openkassa/contracts';
import { CatalogService } from '../catalog/catalog.service.js';
import { serverDbOptions } from '../migrations/index.js';
import { milli } from '../sales/sales.rollup.js';
import { SalesIngest } from '../sales/sales.service.js';
import { archiveSales } from '../sales/sales.archive.js';
import { shiftReport } from '../sales/sales.shifts.js';
import type { ServerSchema } from '../schema.js';
import { tableCsv } from './table.js';
import { salesReport, reportTable, splitPeriod, type Dimension, type ReportRow } from './reports.repo.js';

const CATEGORIES = [
  { id: 'food', name: 'Продукты' },
  { id: 'dairy', name: 'Молочное', parentId: 'food' },
  { id: 'cheese', name: 'Сыры', parentId: 'dairy' },
  { id: 'bakery', name: 'Хлеб', parentId: 'food' },
  { id: 'home', name: 'Дом' },
];
const PRODUCTS = [
  ['p1', 'dairy', 8990],
  ['p2', 'cheese', 89900],
  ['p3', 'cheese', 120000],
  ['p4', 'bakery', 5490],
  ['p5', 'home', 19900],
  ['p6', undefined, 1500],
] as const;

/** A seeded generator, so the data set is the same every run. */
function rng(seed: number) {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

function dataSet(): SalesDocument[] {
  const r = rng(7);
  const docs: SalesDocument[] = [];
  let n = 0;
  for (const store of ['S1', 'S2', 'S3'])
    for (const till of ['T1', 'T2'])
      for (const day of ['2026-11-01', '2026-11-02', '2026-12-01'])
        for (let i = 0; i < 12; i++) {
          const lines = Array.from({ length: 1 + Math.floor(r() * 3) }, () => {
            const [id, , price] = PRODUCTS[Math.floor(r() * PRODUCTS.length)]!;
            const weighed = id === 'p2' || id === 'p3';
            const q = weighed ? 0.1 + Math.floor(r() * 2000) / 1000 : 1 + Math.floor(r() * 3);
            const quantity = weighed ? q.toFixed(3) : String(q);
            return {
              productId: id === 'p6' && i % 2 ? 'ghost' : id,
              name: `Товар ${id}`,
              quantity,
              price,
              sum: Math.round((price * milli(quantity)) / 1000),
              vat: 11,
            };
          });
          const total = lines.reduce((s, l) => s + l.sum, 0);
          const card = i % 3 === 0 ? total : 0;
          const hour = String(9 + Math.floor(r() * 12)).padStart(2, '0');
          docs.push({
            id: crypto.randomUUID(),
            store,
            till,
            kind: i % 7 === 6 ? 'return' : 'sale',
            at: `${day}T${hour}:15:00+03:00`,
            shift: 1,
            number: ++n,
            cashier: i % 2 ? 'Иванова' : 'Петров',
            total,
            lines,
            payments: { cash: total - card, card },
          });
        }
  return docs;
}

/** The same report computed from the raw documents, independently of the server. */
function expected(
  docs: readonly SalesDocument[],
  by: Dimension,
  from: string,
  to: string,
  stores?: string[],
) {
  const out = new Map<
    string,
    { sales: number; returned: number; receipts: number; returns: number; qty: number }
  >();
  const add = (key: string, sale: boolean, amount: number, qty = 0, count = 1) => {
    const a = out.get(key) ?? { sales: 0, returned: 0, receipts: 0, returns: 0, qty: 0 };
    if (sale) {
      a.sales += amount;
      a.receipts += count;
      a.qty += qty;
    } else {
      a.returned += amount;
      a.returns += count;
      a.qty -= qty;
    }
    out.set(key, a);
  };
  const catOf = new Map<string, string | undefined>(PRODUCTS.map(([id, cat]) => [id, cat]));
  const parentOf = new Map(CATEGORIES.map((c) => [c.id, c.parentId]));
  for (const d of docs) {
    const day = d.at.slice(0, 10);
    if (day < from || day > to || (stores && !stores.includes(d.store))) continue;
    const sale = d.kind === 'sale';
    switch (by) {
      case 'store':
      case 'cashier':
        add(d[by], sale, d.total);
        break;
      case 'till':
        add(`${d.store}/${d.till}`, sale, d.total);
        break;
      case 'day':
        add(day, sale, d.total);
        break;
      case 'month':
        add(day.slice(0, 7), sale, d.total);
        break;
      case 'hour':
        add(d.at.slice(11, 13), sale, d.total);
        break;
      case 'payment':
        add('cash', sale, d.payments.cash, 0, 0);
        add('card', sale, d.payments.card, 0, 0);
        break;
      case 'product':
        for (const l of d.lines) add(l.productId!, sale, l.sum, milli(l.quantity), 0);
        break;
      case 'category':
        // the top level: each line counts for the root of its category
        for (const l of d.lines) {
          let c = catOf.get(l.productId!);
          while (c !== undefined && parentOf.get(c) !== undefined) c = parentOf.get(c);
          add(c ?? '', sale, l.sum, milli(l.quantity), 0);
        }
        break;
    }
  }
  return out;
}

const simplify = (rows: readonly ReportRow[]) =>
  new Map(
    rows.map((r) => [
      r.key,
      {
        sales: r.sales,
        returned: r.returned,
        receipts: r.receipts,
        returns: r.returns,
        qty:
          r.quantity === undefined
            ? 0
            : milli(r.quantity.replace('-', '')) * (r.quantity.startsWith('-') ? -1 : 1),
      },
    ]),
  );

it('splits a period into whole months and the days around them', () => {
  expect(splitPeriod('2026-01-01', '2026-12-31')).toEqual({ months: ['2026-01', '2026-12'], days: [] });
  expect(splitPeriod('2026-10-15', '2026-12-01')).toEqual({
    months: ['2026-11', '2026-11'],
    days: [
      ['2026-10-15', '2026-10-31'],
      ['2026-12-01', '2026-12-01'],
    ],
  });
  expect(splitPeriod('2026-02-01', '2026-02-28')).toEqual({ months: ['2026-02', '2026-02'], days: [] });
  expect(splitPeriod('2026-02-02', '2026-02-27')).toEqual({ days: [['2026-02-02', '2026-02-27']] });
  expect(splitPeriod('2024-02-01', '2024-02-28')).toEqual({ days: [['2024-02-01', '2024-02-28']] }); // leap year
});

describeStorage<ServerSchema>(
  'sales reports',
  (ctx) => {
    it('every report equals the totals computed from the raw documents, for any period and store set, across the archive', async () => {
      const catalog = new CatalogService(ctx.db(), { mirror: false });
      const edit = await catalog.edit({
        items: [
          ...CATEGORIES.map((data) => ({ kind: 'category', data })),
          ...PRODUCTS.map(([id, categoryId, price]) => ({
            kind: 'product',
            data: { id, name: `Товар ${id}`, vat: 11, price, ...(categoryId && { categoryId }) },
          })),
        ],
      });
      expect(edit.ok).toBe(true);
      const docs = dataSet();
      const ingest = new SalesIngest(ctx.db(), { clock: { now: () => new Date() }, forwardUpstream: false });
      // in several batches, with a re-sent one: duplicates must not count twice
      for (let i = 0; i < docs.length; i += 50) await ingest.ingest({ documents: docs.slice(i, i + 50) });
      await ingest.ingest({ documents: docs.slice(0, 50) });

      const checkReports = async () => {
        const periods: [string, string, string[] | undefined][] = [
          ['2026-11-01', '2026-12-31', undefined],
          ['2026-11-02', '2026-11-02', undefined],
          ['2026-11-01', '2026-11-30', ['S1', 'S3']],
          ['2026-10-15', '2026-12-01', undefined], // days, a whole month, days
          ['2026-11-02', '2026-12-01', undefined],
        ];
        for (const [from, to, stores] of periods)
          for (const by of [
            'store',
            'till',
            'cashier',
            'day',
            'month',
            'hour',
            'payment',
            'product',
            'category',
          ] as const) {
            const rows = await salesReport(ctx.db(), { by, from, to, ...(stores && { stores }) });
            const want = expected(docs, by, from, to, stores);
            const got = simplify(rows);
            for (const [, v] of want)
              if (by === 'payment' || by === 'product' || by === 'category') v.receipts = v.returns = 0;
            for (const [, v] of got)
              if (by === 'payment' || by === 'product' || by === 'category') v.receipts = v.returns = 0;
            if (by !== 'product' && by !== 'category') {
              for (const [, v] of want) v.qty = 0;
              for (const [, v] of got) v.qty = 0;
            }
            expect([by, from, to, stores, got]).toEqual([by, from, to, stores, want]);
          }
      };
      await checkReports();

      // Detail before 2026-11-02 moves to the archive: reports, shift reports and the document
      // list are unchanged, and re-sent archived documents change nothing.
      const db = ctx.db();
      const count = async (
        t: 'sales_documents' | 'sales_lines' | 'all_sales_documents' | 'all_sales_lines',
      ) =>
        Number(
          (
            await db.db
              .selectFrom(t)
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const shifts = async () => Promise.all(['S1', 'S2'].map((store) => shiftReport(db, store, 'T1', 1)));
      const before = await shifts();
      const lineCount = docs.reduce((n, d) => n + d.lines.length, 0);
      const first = docs.filter((d) => d.at < '2026-11-02');
      expect(await archiveSales(db, '2026-11-02', 7)).toEqual({
        documents: first.length,
        lines: first.reduce((n, d) => n + d.lines.length, 0),
      });
      expect(await count('sales_documents')).toBe(docs.length - first.length);
      expect([await count('all_sales_documents'), await count('all_sales_lines')]).toEqual([
        docs.length,
        lineCount,
      ]);
      expect(await archiveSales(db, '2026-11-02')).toEqual({ documents: 0, lines: 0 });
      const again = await ingest.ingest({ documents: first.slice(0, 20) });
      expect(again.ok && again.results.map((r) => r.status)).toEqual(Array(20).fill('duplicate'));
      const changed = await ingest.ingest({ documents: [{ ...first[0]!, cashier: 'Подменный' }] });
      expect(changed.ok && changed.results[0]?.status).toBe('rejected');
      await checkReports();
      expect(await shifts()).toEqual(before);
      expect(await count('all_sales_documents')).toBe(docs.length);
      // a crash between the copy and the delete leaves documents in both: shown once, finished next run
      await db.db
        .insertInto('sales_documents')
        .expression((eb) =>
          eb
            .selectFrom('all_sales_documents')
            .selectAll()
            .where('day', '=', '2026-11-01')
            .where('store', '=', 'S1'),
        )
        .execute();
      expect(await count('all_sales_documents')).toBe(docs.length);
      expect((await archiveSales(db, '2026-11-02')).documents).toBe(
        first.filter((d) => d.store === 'S1').length,
      );
      expect(await count('sales_documents')).toBe(docs.length - first.length);
      // everything before December
      await archiveSales(db, '2026-12-01');
      await checkReports();
      expect(await shifts()).toEqual(before);
      expect([await count('all_sales_documents'), await count('all_sales_lines')]).toEqual([
        docs.length,
        lineCount,
      ]);
    });

    it('drills down the category tree, each level with its subtree', async () => {
      const docs = dataSet();
      const lineSum = (cats: string[]) =>
        docs
          .filter((d) => d.at.slice(0, 7) === '2026-11')
          .flatMap((d) => d.lines.map((l) => ({ l, sign: d.kind === 'sale' ? 1 : -1 })))
          .filter(({ l }) => cats.includes(PRODUCTS.find((p) => p[0] === l.productId)?.[1] ?? '—'))
          .reduce((s, { l, sign }) => s + sign * l.sum, 0);
      const food = await salesReport(ctx.db(), {
        by: 'category',
        from: '2026-11-01',
        to: '2026-11-30',
        parent: 'food',
      });
      expect(new Map(food.map((r) => [r.key, [r.net, r.hasChildren]]))).toEqual(
        new Map([
          ['dairy', [lineSum(['dairy', 'cheese']), true]],
          ['bakery', [lineSum(['bakery']), false]],
        ]),
      );
      const dairy = await salesReport(ctx.db(), {
        by: 'category',
        from: '2026-11-01',
        to: '2026-11-30',
        parent: 'dairy',
      });
      expect(dairy.map((r) => [r.key, r.net, r.label])).toEqual([['cheese', lineSum(['cheese']), 'Сыры']]);
      const csv = tableCsv(reportTable(food, 'category', 'food'));
      expect(csv.split('\n')[0]).toBe('category,label,receipts,returns,sales,returned,net,quantity');
      expect(csv.split('\n').length).toBe(food.length + 2);
    });
  },
  serverDbOptions,
);
