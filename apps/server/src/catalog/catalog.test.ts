import { expect, it } from 'vitest';
import { describeStorage } from '@openkassa/db/testing';
import { openDatabase } from '@openkassa/db';
import { createTestDatabase } from '@openkassa/db/testing';
import { serverDbOptions } from '../migrations/index.js';
import type { ServerSchema } from '../schema.js';
import { pinHash } from '@openkassa/runtime';
import { CatalogService } from './catalog.service.js';

const product = (id: string, price: number, extra: Record<string, unknown> = {}) => ({
  kind: 'product',
  data: { id, name: `Товар ${id}`, vat: 11, price, barcodes: [`46000000${id.padStart(5, '0')}`], ...extra },
});

describeStorage<ServerSchema>(
  'catalogue feed',
  (ctx) => {
    it('refuses a batch with a bad item whole, naming it, and changes nothing', async () => {
      const cat = new CatalogService(ctx.db(), { mirror: false });
      const head = await cat.head();
      const r = await cat.edit({
        items: [product('1', 100), { kind: 'product', data: { id: '2', name: '', vat: 99, price: -1 } }],
      });
      expect(r).toMatchObject({ ok: false, status: 400 });
      expect(!r.ok && r.reason).toMatch(/^items\.1 \(product\): name: .*vat: .*price: /);
      expect(await cat.edit({ items: [{ kind: 'rocket', data: {} }] })).toMatchObject({
        ok: false,
        status: 400,
      });
      expect(await cat.head()).toBe(head);
    });

    it('versions every change, pages the feed by cursor, and gives a till only its store’s prices', async () => {
      const cat = new CatalogService(ctx.db(), { mirror: false });
      const start = await cat.head();
      const r = await cat.edit({
        items: [
          { kind: 'store', data: { id: 'S1', name: 'Магазин 1', group: 'msk' } },
          { kind: 'store', data: { id: 'S2', name: 'Магазин 2', group: 'spb' } },
          product('10', 1000),
          product('11', 2000),
          { kind: 'price', data: { productId: '10', scope: 'group:msk', price: 1100 } },
          { kind: 'price', data: { productId: '10', scope: 'group:spb', price: 1200 } },
          {
            kind: 'price',
            data: { productId: '11', scope: 'store:S1', price: 1900, validFrom: '2026-12-01' },
          },
        ],
      });
      expect(r).toEqual({ ok: true, head: start + 7 });
      const all = await cat.changes(start, 3, undefined, 0);
      expect(all.changes.map((c) => c.version)).toEqual([start + 1, start + 2, start + 3]);
      const rest = await cat.changes(all.cursor, 100, undefined, 0);
      expect(rest.changes).toHaveLength(4);
      expect(rest.cursor).toBe(start + 7);

      const s1 = await cat.changes(start, 100, 'S1', 0);
      expect(s1.changes.map((c) => `${c.kind}:${c.id}`)).toEqual([
        'store:S1',
        'product:10',
        'product:11',
        'price:10@group:msk@',
        'price:11@store:S1@2026-12-01',
      ]);
      expect(s1.cursor).toBe(start + 7);

      // S2 moves to group msk: the msk prices come to its tills, though they are old.
      const moved = await cat.edit({
        items: [{ kind: 'store', data: { id: 'S2', name: 'Магазин 2', group: 'msk' } }],
      });
      expect(moved.ok).toBe(true);
      const s2 = await cat.changes(start + 7, 100, 'S2', 0);
      expect(s2.changes.map((c) => `${c.kind}:${c.id}`)).toEqual(['price:10@group:msk@', 'store:S2']);

      // A removal travels as a removal; a new till starting from 0 never sees it.
      await cat.edit({ items: [{ kind: 'product', id: '11', deleted: true }] });
      const after = await cat.changes(s2.cursor, 100, 'S2', 0);
      expect(after.changes).toEqual([{ kind: 'product', id: '11', version: after.cursor, deleted: true }]);
      const fresh = await cat.changes(0, 10_000, 'S2', 0);
      expect(fresh.changes.some((c) => c.id === '11' && c.kind === 'product')).toBe(false);
    });

    it('answers a waiting till as soon as something changes', async () => {
      const cat = new CatalogService(ctx.db(), { mirror: false });
      const head = await cat.head();
      // a wait far longer than the test may take: only the change can end it
      const waiting = cat.changes(head, 100, 'S1', 600_000);
      let answered = false;
      void waiting.then(() => (answered = true));
      await new Promise((r) => setTimeout(r, 100));
      expect(answered).toBe(false); // nothing new yet: it waits
      await cat.edit({ items: [product('12', 500)] });
      const page = await waiting;
      expect(page.changes.map((c) => c.id)).toEqual(['12']);
      // with nothing new, it waits as long as asked and answers with the same cursor
      const idle = await cat.changes(page.cursor, 100, 'S1', 300);
      expect(idle).toMatchObject({ changes: [], cursor: page.cursor });
    });

    it('keeps till users with their PIN hashed only, and gives each store the users who work there', async () => {
      const cat = new CatalogService(ctx.db(), { mirror: false });
      const start = await cat.head();
      const r = await cat.edit({
        items: [
          {
            kind: 'user',
            data: { id: 'u1', name: 'Кассир Орлова', role: 'cashier', pin: '4321', stores: ['S1'] },
          },
          { kind: 'user', data: { id: 'u2', name: 'Управляющий Ким', role: 'manager', pin: '8765' } },
        ],
      });
      expect(r.ok).toBe(true);
      expect(
        await cat.edit({
          items: [{ kind: 'user', data: { id: 'u3', name: 'X', role: 'owner', pin: '12' } }],
        }),
      ).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/role.*pin: 4 to 8 digits|pin: 4 to 8 digits/s) as string,
      });
      const rows = await ctx
        .db()
        .db.selectFrom('catalog_items')
        .select('data_json')
        .where('kind', '=', 'user')
        .execute();
      for (const row of rows) expect(row.data_json).not.toMatch(/4321|8765|"pin"/);
      const users = async (store: string, since: number) =>
        (await cat.changes(since, 1000, store, 0)).changes.filter((c) => c.kind === 'user');
      const s1 = await users('S1', start);
      expect(s1.map((c) => [c.id, c.deleted])).toEqual([
        ['u1', false],
        ['u2', false],
      ]);
      const u1 = s1[0]!.data as { pinSalt: string; pinHash: string };
      expect(pinHash('4321', u1.pinSalt)).toBe(u1.pinHash);
      expect((await users('S2', 0)).map((c) => c.id)).toEqual(['u2']);
      // moved to S2: S1's tills receive a removal, S2's the user
      const before = await cat.head();
      await cat.edit({
        items: [
          {
            kind: 'user',
            data: { id: 'u1', name: 'Кассир Орлова', role: 'cashier', pin: '4321', stores: ['S2'] },
          },
        ],
      });
      expect((await users('S1', before)).map((c) => [c.id, c.deleted, c.data])).toEqual([
        ['u1', true, undefined],
      ]);
      expect((await users('S2', before)).map((c) => [c.id, c.deleted])).toEqual([['u1', false]]);
    });

    it('a store server mirrors the feed with the head office’s versions and takes no edits', async () => {
      const hq = new CatalogService(ctx.db(), { mirror: false });
      const t = await createTestDatabase(ctx.dialect);
      const db = openDatabase<ServerSchema>(t.config, serverDbOptions);
      try {
        await db.migrate();
        const store = new CatalogService(db, { mirror: true });
        expect(await store.edit({ items: [product('13', 1)] })).toMatchObject({ ok: false, status: 409 });
        for (let since = 0; ;) {
          const page = await hq.changes(since, 4, undefined, 0);
          await store.mirror(page);
          if (page.cursor === since) break;
          since = page.cursor;
        }
        expect(await store.head()).toBe(await hq.head());
        const a = await hq.changes(0, 10_000, 'S1', 0);
        const b = await store.changes(0, 10_000, 'S1', 0);
        expect(b).toEqual(a);
      } finally {
        await db.close();
        await t.drop();
      }
    });
  },
  serverDbOptions,
);
