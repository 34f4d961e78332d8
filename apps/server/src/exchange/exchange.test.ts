import { describe, expect, it } from 'vitest';
import { describeStorage } from '@openkassa/db/testing';
import {
  sampleSale,
  type CatalogCategory,
  type CatalogProduct,
  type SalesDocument,
} from '@openkassa/contracts';
import { serverDbOptions } from '../migrations/index.js';
import { archiveSales } from '../sales/sales.archive.js';
import { milli } from '../sales/sales.rollup.js';
import { SalesIngest } from '../sales/sales.service.js';
import type { ServerSchema } from '../schema.js';
import { categoryIdOfPath, readCatalogCsv, writeCatalogCsv } from './catalog-csv.js';
import { readCommerceMl, writeCommerceMl } from './commerceml.js';
import {
  readSalesCommerceMl,
  readSalesCsv,
  salesCommerceMl,
  salesCsv,
  storeDaySales,
} from './sales-export.js';
import { parseCsv, parseRoubles, quantityText, roubles } from '../text.js';

const CATEGORIES: CatalogCategory[] = [
  { id: 'food', name: 'Продукты & "напитки"' },
  { id: 'dairy', name: 'Молочное', parentId: 'food' },
  { id: 'home', name: 'Дом; быт' },
];
const PRODUCTS: CatalogProduct[] = [
  {
    id: 'p1',
    name: 'Молоко 3,2% <1 л>',
    article: 'M-1',
    unit: 'шт',
    vat: 2,
    paymentObject: 1,
    weighted: false,
    categoryId: 'dairy',
    price: 8990,
    barcodes: ['4600000000015', '4600000000022'],
  },
  {
    id: 'c:1a',
    name: 'Сыр весовой',
    unit: 'кг',
    vat: 1,
    paymentObject: 1,
    weighted: true,
    plu: '123',
    categoryId: 'dairy',
    price: 89905,
    barcodes: [],
  },
  {
    id: 'cig',
    name: 'Сигареты',
    unit: 'шт',
    vat: 11,
    paymentObject: 33,
    markingType: 'tobacco',
    weighted: false,
    categoryId: 'home',
    price: 21000,
    barcodes: ['4600000000039'],
  },
  {
    id: 'svc',
    name: 'Доставка',
    unit: 'усл',
    vat: 6,
    paymentObject: 4,
    weighted: false,
    price: 0,
    barcodes: [],
  },
];
const byId = <T extends { id: string }>(xs: readonly T[]) => [...xs].sort((a, b) => a.id.localeCompare(b.id));

describe('text forms', () => {
  it('writes and reads money and quantities exactly', () => {
    for (const k of [0, 5, -5, 1005, 123456789, -100]) expect(parseRoubles(roubles(k))).toBe(k);
    expect(parseRoubles('1 234,5')).toBe(123450);
    expect(parseRoubles('12.3456')).toBe(1235);
    expect(parseRoubles('12,3.4')).toBeUndefined();
    expect([quantityText(1234), quantityText(2000), quantityText(50), quantityText(-1500)]).toEqual([
      '1.234',
      '2',
      '0.05',
      '-1.5',
    ]);
  });

  it('reads CSV with quotes, separators and line breaks inside fields', () => {
    const { header, rows } = parseCsv('\uFEFFa;b;c\r\n1;"x;y";"say ""hi""\nthere"\r\n\r\n2;;\n');
    expect(header).toEqual(['a', 'b', 'c']);
    expect(rows).toEqual([
      { line: 2, fields: ['1', 'x;y', 'say "hi"\nthere'] },
      { line: 5, fields: ['2', '', ''] },
    ]);
    expect(() => parseCsv('a,b\n1,"open')).toThrow(/line 2: a quoted field is not closed/);
  });
});

describe('catalogue exchange', () => {
  it('CommerceML 2: what OpenKassa writes, it reads back as the same categories and products', () => {
    const { importXml, offersXml } = writeCommerceMl(CATEGORIES, PRODUCTS, '2026-11-21T10:00:00Z');
    const back = readCommerceMl(importXml, offersXml);
    expect(back.skipped).toEqual([]);
    expect(back.unpriced).toEqual([]);
    expect(byId(back.categories)).toEqual(byId(CATEGORIES));
    expect(byId(back.products)).toEqual(byId(PRODUCTS));
  });

  it('CSV: reads back the same products, categories by their path of names', () => {
    const csv = writeCatalogCsv(CATEGORIES, PRODUCTS);
    const back = readCatalogCsv(csv);
    const path = (cats: readonly CatalogCategory[], id: string | undefined): string[] => {
      const c = cats.find((x) => x.id === id);
      return c ? [...path(cats, c.parentId), c.name] : [];
    };
    expect(
      byId(back.products).map((p) => ({ ...p, categoryId: path(back.categories, p.categoryId) })),
    ).toEqual(byId(PRODUCTS).map((p) => ({ ...p, categoryId: path(CATEGORIES, p.categoryId) })));
    expect(back.categories.find((c) => c.name === 'Молочное')?.id).toBe(
      categoryIdOfPath(['Продукты & "напитки"', 'Молочное']),
    );
    // and once more: a fixed point
    expect(writeCatalogCsv(back.categories, back.products)).toBe(csv);
  });

  it('CSV: a hand-written file with Russian headers and commas; bad lines are all named and nothing is read', () => {
    const ok = readCatalogCsv(
      'Код,Наименование,Цена,Штрихкоды,Группа,НДС,Весовой\n' +
        'a1,Хлеб,"54,90",4600000000046|4600000000053,Продукты / Хлеб,10%,нет\n' +
        'a2,Яблоки,"129,00",,Продукты/Фрукты,без НДС,да\n',
    );
    expect(ok.products.map((p) => [p.id, p.price, p.barcodes.length, p.vat, p.weighted])).toEqual([
      ['a1', 5490, 2, 2, false],
      ['a2', 12900, 0, 6, true],
    ]);
    expect(ok.categories.map((c) => c.name)).toEqual(['Продукты', 'Хлеб', 'Фрукты']);
    const bad = () =>
      readCatalogCsv(
        'id;name;price;vat;barcodes\n' + 'x1;Ok;10;20;\n' + 'x2;;abc;18;12ab\n' + 'x1;Again;1;20;\n',
      );
    expect(bad).toThrow(
      /^2 bad line\(s\), nothing imported: line 3: price "abc" is not an amount in roubles; VAT "18" is not a rate/,
    );
    expect(bad).toThrow(/name: .*\| line 4: id "x1" is already on line 2/);
    expect(bad).toThrow(/barcodes: digits only/);
    expect(() => readCatalogCsv('id;title\n1;x\n')).toThrow(/unknown column\(s\) "title"/);
    expect(() => readCatalogCsv('name;price\nx;1\n')).toThrow(/the header has no "id" column/);
  });
});

/** Sales and returns over three days in two stores, with weighed goods and a line without a product. */
function salesDays(): SalesDocument[] {
  const docs: SalesDocument[] = [];
  let n = 0;
  for (const store of ['S1', 'S2'])
    for (const day of ['2026-10-30', '2026-10-31', '2026-11-01'])
      for (let i = 0; i < 6; i++) {
        const d = sampleSale({
          store,
          till: 'T1',
          shift: 1,
          number: ++n,
          at: `${day}T1${i}:00:00+03:00`,
          lines: 1 + (i % 3),
        });
        const lines = d.lines.map((l, j) =>
          j === 1 ? { ...l, productId: undefined, name: 'Свободная цена' } : l,
        );
        const total = lines.reduce((s, l) => s + l.sum, 0);
        docs.push({
          ...d,
          kind: i === 5 ? 'return' : 'sale',
          lines,
          total,
          payments: i % 2 ? { cash: 0, card: total } : { cash: total, card: 0 },
        });
      }
  return docs;
}

describeStorage<ServerSchema>(
  'sales export per day and store',
  (ctx) => {
    it('equals the raw documents, through the archive too, and reads back from CommerceML 2 and CSV', async () => {
      const docs = salesDays();
      const ingest = new SalesIngest(ctx.db(), { clock: { now: () => new Date() }, forwardUpstream: false });
      const r = await ingest.ingest({ documents: docs });
      expect(r.ok && r.results.every((x) => x.status === 'stored')).toBe(true);

      // independently: per day, store and kind, receipts and money; per product (or name) and VAT, quantity and sum
      const want = new Map<
        string,
        { receipts: number; total: number; cash: number; card: number; lines: Map<string, [number, number]> }
      >();
      for (const d of docs) {
        const k = `${d.at.slice(0, 10)} ${d.store} ${d.kind}`;
        const g = want.get(k) ?? { receipts: 0, total: 0, cash: 0, card: 0, lines: new Map() };
        g.receipts++;
        g.total += d.total;
        g.cash += d.payments.cash;
        g.card += d.payments.card;
        for (const l of d.lines) {
          const lk = `${l.productId ?? l.name}/${l.vat}`;
          const [q, s] = g.lines.get(lk) ?? [0, 0];
          g.lines.set(lk, [q + milli(l.quantity), s + l.sum]);
        }
        want.set(k, g);
      }
      const check = async () => {
        const got = await storeDaySales(ctx.db(), '2026-10-30', '2026-11-01');
        expect(
          new Map(
            got.map((g) => [
              `${g.day} ${g.store} ${g.kind}`,
              {
                receipts: g.receipts,
                total: g.total,
                cash: g.cash,
                card: g.card,
                lines: new Map(
                  g.lines.map((l) => [`${l.productId ?? l.name}/${l.vat}`, [milli(l.quantity), l.sum]]),
                ),
              },
            ]),
          ),
        ).toEqual(want);
        return got;
      };
      const before = await check();
      expect(await storeDaySales(ctx.db(), '2026-10-31', '2026-10-31', 'S2')).toEqual(
        before.filter((g) => g.day === '2026-10-31' && g.store === 'S2'),
      );
      await archiveSales(ctx.db(), '2026-11-01');
      expect(await check()).toEqual(before);

      const cml = salesCommerceMl(before, '2026-11-21T10:00:00Z');
      expect(cml).toContain('<ХозОперация>Возврат товара</ХозОперация>');
      expect(readSalesCommerceMl(cml)).toEqual(before);
      expect(readSalesCsv(salesCsv(before))).toEqual(
        before.map((g) => ({ day: g.day, store: g.store, kind: g.kind, lines: g.lines })),
      );
    });
  },
  serverDbOptions,
);
