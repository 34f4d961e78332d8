import { afterEach, describe, expect, it } from 'vitest';
import { demoCatalogItems } from '@openkassa/till';
import { startLocalServer, startOfd, startTillWithKkt, stopAll, tempDir, tillSession } from './support.js';

afterEach(stopAll);

const PRODUCTS = 300_000;

describe('a new till and a 300,000-product catalogue', () => {
  it('receives the whole catalogue from its server and sells from it, priced as the server says', async () => {
    const items = demoCatalogItems(PRODUCTS);
    const goods = items.map(
      (i) => i.data as { id: string; name: string; price: number; weighted: boolean; barcodes: string[] },
    );
    const ofd = await startOfd(tempDir('bc-ofd'));
    const server = await startLocalServer('bc-srv', ['--ofd', `127.0.0.1:${ofd.port}`]);
    let head = 0;
    for (let i = 0; i < goods.length; i += 20_000) {
      const r = await fetch(`${server.api}/api/v1/catalog/items`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...server.auth },
        body: JSON.stringify({
          items: goods.slice(i, i + 20_000).map((data) => ({ kind: 'product', data })),
        }),
      });
      expect(r.status).toBe(200);
      head = ((await r.json()) as { head: number }).head;
    }
    const till = await startTillWithKkt(server, {
      fn: '9999000000000953',
      tag: 'bc',
      extra: ['--store', 'S1', '--till', 'T1', '--demo-catalog', '0'],
    });
    await expect
      .poll(
        async () => {
          const s = (await (await fetch(`${till.url}/api/status`)).json()) as {
            products: number;
            catalog: { cursor: number } | null;
          };
          return [s.products, (s.catalog?.cursor ?? 0) >= head];
        },
        { timeout: 60_000, interval: 250 },
      )
      .toEqual([PRODUCTS, true]);

    // The first, a middle and the last product of the catalogue, each by its barcode.
    const withCode = goods.filter((g) => g.barcodes.length > 0 && !g.weighted);
    const picks = [withCode[0]!, withCode[Math.floor(withCode.length / 2)]!, withCode.at(-1)!];
    const s = await tillSession(till.url, '2222');
    expect((await s.call('POST', '/api/shift/open')).status).toBe(200);
    const total = picks.reduce((a, p) => a + p.price, 0);
    const sale = await s.call('POST', '/api/sale', {
      lines: picks.map((p) => ({ barcode: p.barcodes[0]! })),
      card: 0,
      cashTendered: total,
    });
    expect(sale.status).toBe(200);
    expect(sale.body).toMatchObject({ kind: 'sale', state: 'done', total });
    expect((sale.body.lines as { productId: string }[]).map((l) => l.productId)).toEqual(
      picks.map((p) => p.id),
    );
    // and the till finds goods by name among all of them
    const found = await s.call('GET', `/api/search?q=${encodeURIComponent(picks[2]!.name)}`);
    expect((found.body.products as { id: string }[]).map((p) => p.id)).toContain(picks[2]!.id);
  }, 120_000);
});
