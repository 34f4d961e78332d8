import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@openkassa/db/testing';
import { sql } from 'kysely';
import { openDatabase } from '@openkassa/db';
import type { RunningServer } from '../main.js';
import { serverDbOptions, serverMigrations } from '../migrations/index.js';
import type { ServerSchema } from '../schema.js';
import { searchCatalog } from './catalog.search.js';
import { adminHeaders, startTestServer } from '../testing.js';

// the API's JSON answers, of many shapes, read field by field
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** The back office's catalogue API: search, pages, prices of a product, and file imports. */
for (const dialect of ['sqlite', 'postgres'] as const)
  describe(`back-office catalogue API [${dialect}]`, () => {
    let t: TestDatabase;
    let s: RunningServer;
    let admin: Record<string, string>;
    const call = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${s.httpUrl}${path}`, {
        method,
        headers: { ...admin, ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      return { status: r.status, body: (await r.json()) as Json };
    };
    const head = async () =>
      (await call('GET', '/api/v1/catalog/changes?since=0&limit=1')).body.head as number;

    beforeAll(async () => {
      t = await createTestDatabase(dialect);
      s = await startTestServer(t.config);
      admin = await adminHeaders(s.httpUrl);
      const products = Array.from({ length: 120 }, (_, i) => ({
        kind: 'product',
        data: {
          id: `p${String(i).padStart(3, '0')}`,
          name: i % 2 === 0 ? `Молоко ультрапастеризованное ${i}` : `Кефир 1% ${i}`,
          vat: 2,
          price: 5000 + i,
          barcodes: [`46${String(i).padStart(11, '0')}`],
          categoryId: i % 2 === 0 ? 'milk' : 'kefir',
          ...(i === 7 && { article: 'АРТ-100%_7' }),
        },
      }));
      const r = await call('PUT', '/api/v1/catalog/items', {
        items: [
          { kind: 'category', data: { id: 'dairy', name: 'Молочное' } },
          { kind: 'category', data: { id: 'milk', name: 'Молоко', parentId: 'dairy' } },
          { kind: 'category', data: { id: 'kefir', name: 'Кефир', parentId: 'dairy' } },
          ...products,
          { kind: 'price', data: { productId: 'p001', scope: 'group:msk', price: 4000 } },
          {
            kind: 'price',
            data: { productId: 'p001', scope: 'store:S1', price: 3900, validFrom: '2026-12-01' },
          },
          { kind: 'price', data: { productId: 'p0011', scope: '*', price: 1 } },
        ],
      });
      expect(r.status).toBe(200);
    });
    afterAll(async () => {
      await s.close();
      await t.drop();
    });

    it('searches Russian names whatever their case, every word, barcodes and articles; pages in name order', async () => {
      const q = async (query: string) =>
        (await call('GET', `/api/v1/catalog/items?kind=product&${query}`)).body as {
          items: { id: string; data: { name: string } }[];
          next: string | null;
        };
      const milk = await q(`q=${encodeURIComponent('МОЛОКО ультра')}&limit=25`);
      expect(milk.items).toHaveLength(25);
      expect(milk.items.every((i) => i.data.name.startsWith('Молоко ультрапастеризованное'))).toBe(true);
      const names = [...milk.items.map((i) => i.data.name)];
      let next = milk.next;
      while (next) {
        const page = await q(`q=${encodeURIComponent('молоко ультра')}&limit=25&after=${next}`);
        names.push(...page.items.map((i) => i.data.name));
        next = page.next;
      }
      expect(names).toHaveLength(60);
      expect(new Set(names).size).toBe(60);
      expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      expect((await q('q=4600000000042')).items.map((i) => i.id)).toEqual(['p042']);
      expect((await q(`q=${encodeURIComponent('кефир 43')}`)).items.map((i) => i.id)).toEqual(['p043']);
      // % and _ are letters here, not patterns
      expect((await q(`q=${encodeURIComponent('арт-100%_7')}`)).items.map((i) => i.id)).toEqual(['p007']);
      expect((await q(`q=${encodeURIComponent('_')}`)).items.map((i) => i.id)).toEqual(['p007']);
      expect((await q(`q=${encodeURIComponent('%')}&limit=1000`)).items).toHaveLength(60); // the kefirs: "1%"
      expect((await q('category=kefir&limit=1000')).items).toHaveLength(60);
      expect((await q('id=p005')).items.map((i) => i.data.name)).toEqual(['Кефир 1% 5']);
      const prices = await call('GET', '/api/v1/catalog/items?kind=price&product=p001');
      // p0011's price is not p001's
      expect(prices.body.items.map((i: { id: string }) => i.id).sort()).toEqual([
        'p001@group:msk@',
        'p001@store:S1@2026-12-01',
      ]);
      await call('PUT', '/api/v1/catalog/items', {
        items: [{ kind: 'user', data: { id: 'u1', name: 'Иванова', role: 'cashier', pin: '1234' } }],
      });
      const users = await call('GET', '/api/v1/catalog/items?kind=user');
      expect(users.body.items.map((i: { data: unknown }) => i.data)).toEqual([
        { id: 'u1', name: 'Иванова', role: 'cashier' },
      ]);
      // nor in the feed, when a person reads it (enrolled tills take the hashes to check PINs)
      const feed = await call('GET', '/api/v1/catalog/changes?since=0&limit=50000');
      expect(
        feed.body.changes
          .filter((c: { kind: string }) => c.kind === 'user')
          .map((c: { data: unknown }) => c.data),
      ).toEqual([{ id: 'u1', name: 'Иванова', role: 'cashier' }]);
      const cats = await call('GET', '/api/v1/catalog/items?kind=category&limit=1000');
      expect(cats.body.items.map((i: { id: string }) => i.id)).toEqual(['kefir', 'milk', 'dairy']);
    });

    it('refuses bad queries with their reason', async () => {
      for (const [query, message] of [
        ['kind=rocket', 'kind is one of product, category, price, store, user'],
        ['kind=product&limit=0', 'limit is a whole number 1..10000'],
        ['kind=product&after=xyz', 'after is the next value of an earlier page'],
        ['kind=product&category=%27%20or%201%3D1', 'category is an item id'],
      ] as const) {
        const r = await call('GET', `/api/v1/catalog/items?${query}`);
        expect([r.status, r.body.error.message]).toEqual([400, message]);
      }
    });

    it('imports a CSV file in the background with progress, and refuses a bad one whole', async () => {
      const before = await head();
      const bad = await call('POST', '/api/v1/exchange/catalog', {
        format: 'csv',
        csv: 'Код;Наименование;Цена;НДС\nx1;Хлеб;45,90;10\nx2;;abc;13\n',
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/line 3/);
      expect(
        (await call('POST', '/api/v1/exchange/catalog', { format: 'cml', importXml: '<not xml' })).status,
      ).toBe(400);
      expect((await call('POST', '/api/v1/exchange/catalog', { format: 'xls', csv: 'a' })).status).toBe(400);
      expect(await head()).toBe(before);

      const rows = Array.from(
        { length: 4500 },
        (_, i) => `imp${i};Товар импорта ${i};${10 + (i % 90)},50;20;Импорт/Партия ${i % 3}`,
      );
      const started = await call('POST', '/api/v1/exchange/catalog', {
        format: 'csv',
        csv: `Код;Наименование;Цена;НДС;Группа\n${rows.join('\n')}\n`,
      });
      expect(started.status).toBe(202);
      expect(started.body).toMatchObject({ state: 'running', total: 4504, categories: 4, products: 4500 });
      let job = started.body;
      const seen = new Set<number>();
      while (job.state === 'running') {
        seen.add(job.done as number);
        await new Promise((r) => setTimeout(r, 20));
        job = (await call('GET', `/api/v1/exchange/catalog/${started.body.id}`)).body;
      }
      expect(job).toMatchObject({ state: 'done', done: 4504, error: null });
      expect(job.head).toBe(before + 4504);
      const found = await call('GET', `/api/v1/catalog/items?kind=product&q=imp4499`);
      expect(found.body.items.map((i: { data: { price: number } }) => i.data.price)).toEqual([
        10050 - 9000 + 8900,
      ]);
      const log = await call('GET', '/api/v1/audit?action=catalog.import');
      expect(log.body.entries[0].detail).toMatchObject({ state: 'done', products: 4500, written: 4504 });
      expect((await call('GET', '/api/v1/exchange/catalog/nope')).status).toBe(404);
    });

    it('finds fiscal documents only when told what to look for, and says what is wrong', async () => {
      for (const [query, message] of [
        ['', 'say what to look for: fn (the 16-digit ФН number), fd, dateFrom/dateTo or total'],
        ['fn=123', 'fn must be the 16-digit ФН number'],
        ['dateFrom=22.11.2026', 'dateFrom is a day (YYYY-MM-DD)'],
        ['total=-1', 'total must be a whole number 0..140737488355328'],
        ['fd=1&after=x', 'after is the next value of an earlier page (fn/fd)'],
      ] as const) {
        const r = await call('GET', `/api/v1/fiscal/documents?${query}`);
        expect([r.status, r.body.error.message]).toEqual([400, message]);
      }
      expect((await call('GET', '/api/v1/fiscal/documents?fd=5')).body).toEqual({
        documents: [],
        next: null,
      });
      expect((await call('GET', '/api/v1/fiscal/documents/1234567890123456/5')).status).toBe(404);
      expect((await call('GET', '/api/v1/fiscal/documents/12345/5')).status).toBe(400);
    });
  });

for (const dialect of ['sqlite', 'postgres'] as const)
  describe(`catalogue search on an older database [${dialect}]`, () => {
    it('is filled for the items already there when the server is upgraded', async () => {
      const t = await createTestDatabase(dialect);
      const names = Object.keys(serverMigrations);
      const before = Object.fromEntries(
        names.slice(0, names.indexOf('0013-back-office')).map((n) => [n, serverMigrations[n]!]),
      );
      const old = openDatabase<ServerSchema>(t.config, { ...serverDbOptions, migrations: before });
      try {
        await old.migrate();
        await sql`insert into catalog_items (kind, id, version, deleted, scope, category, data_json)
          values ('product', 'old1', 1, 0, null, null, ${JSON.stringify({ id: 'old1', name: 'Сметана 20%', vat: 2, price: 100, barcodes: ['4601234567890'] })}),
                 ('category', 'c1', 2, 0, null, null, ${JSON.stringify({ id: 'c1', name: 'Молочное' })})`.execute(
          old.db,
        );
      } finally {
        await old.close();
      }
      const db = openDatabase<ServerSchema>(t.config, serverDbOptions);
      try {
        expect((await db.migrate()).applied).toEqual([
          '0013-back-office',
          '0014-parse-after-store',
          '0015-sales-review',
        ]);
        const found = await searchCatalog(db, { kind: 'product', q: 'СМЕТАНА 4601234', limit: 10 });
        expect('items' in found && found.items.map((i) => i.id)).toEqual(['old1']);
        const cats = await searchCatalog(db, { kind: 'category', q: 'молочн', limit: 10 });
        expect('items' in cats && cats.items.map((i) => i.id)).toEqual(['c1']);
      } finally {
        await db.close();
        await t.drop();
      }
    });
  });
