import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ean13 } from '@openkassa/till';
import {
  dropTestDatabases,
  enrollCode,
  pgDbArgs,
  sleep,
  startLocalServer,
  startOfd,
  startTillWithKkt,
  stopAll,
  tempDir,
  tillSession,
  tillStatus,
  waitUploaded,
} from './support.js';

afterEach(stopAll);
afterAll(dropTestDatabases);

const MILK = ean13('460000000001');

async function edit(
  server: { api: string; auth: Record<string, string> },
  items: unknown[],
): Promise<number> {
  const r = await fetch(`${server.api}/api/v1/catalog/items`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...server.auth },
    body: JSON.stringify({ items }),
  });
  const body = (await r.json()) as { head?: number; error?: { message: string } };
  if (r.status !== 200) throw new Error(`catalogue edit: ${r.status} ${body.error?.message ?? ''}`);
  return body.head!;
}

describe('master data: head office → store server → till', () => {
  it('a new till gets the catalogue, and a price changed at the head office reaches it within seconds', async () => {
    const ofd = await startOfd(tempDir('ce-ofd'));
    const hq = await startLocalServer(await pgDbArgs(), ['--ofd', `127.0.0.1:${ofd.port}`]);
    await edit(hq, [
      { kind: 'store', data: { id: 'S1', name: 'Магазин на Тверской', group: 'msk' } },
      {
        kind: 'product',
        data: { id: 'milk', name: 'Молоко 3,2% 1 л', vat: 2, price: 8990, barcodes: [MILK] },
      },
      { kind: 'price', data: { productId: 'milk', scope: 'group:msk', price: 9490 } },
      { kind: 'price', data: { productId: 'milk', scope: 'group:spb', price: 8490 } },
    ]);
    const store = await startLocalServer('ce-store', [
      '--upstream-relay',
      `127.0.0.1:${hq.relayPort}`,
      '--upstream-server',
      hq.api,
      '--upstream-enroll',
      await enrollCode(hq, 'S1', 'store-server'),
      '--store',
      'S1',
    ]);
    const till = await startTillWithKkt(store, {
      fn: '9999000000000801',
      tag: 'ce',
      extra: ['--store', 'S1', '--demo-catalog', '0'], // demo users only: the goods come from the head office
    });
    const s = await tillSession(till.url, '2222');
    const scanPrice = async () => {
      const r = await s.call('GET', `/api/scan?code=${MILK}`);
      return r.status === 200 ? (r.body.price as number) : undefined;
    };
    // The group price of the till's store, not the base price nor another group's.
    await expect.poll(scanPrice, { timeout: 15_000, interval: 100 }).toBe(9490);

    // A price for this store from today: at the till within seconds, through the store server.
    const head = await edit(hq, [
      { kind: 'price', data: { productId: 'milk', scope: 'store:S1', price: 9990 } },
    ]);
    await expect.poll(scanPrice, { timeout: 10_000, interval: 50 }).toBe(9990);
    expect((await tillStatus(till.url)) as unknown).toMatchObject({
      catalog: { cursor: head, online: true },
    });

    // The sale records the catalogue version it was sold under.
    expect((await s.call('POST', '/api/shift/open')).status).toBe(200);
    const sale = await s.call('POST', '/api/sale', {
      lines: [{ barcode: MILK }],
      card: 0,
      cashTendered: 10_000,
    });
    expect(sale.status).toBe(200);
    expect(sale.body.total).toBe(9990);
    await waitUploaded(till.url);
    const docs = (await (
      await fetch(`${store.api}/api/v1/sales/documents?store=S1`, { headers: store.auth })
    ).json()) as {
      documents: { kind: string; catalogVersion?: number }[];
    };
    expect(docs.documents.find((d) => d.kind === 'sale')?.catalogVersion).toBe(head);

    // A cashier hired at the head office for this store logs in at its till with her PIN.
    const login = (pin: string) =>
      fetch(`${till.url}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pin }),
      }).then(async (r) =>
        r.status === 200 ? ((await r.json()) as { user: { name: string } }).user.name : r.status,
      );
    expect(await login('4321')).toBe(401);
    await edit(hq, [
      {
        kind: 'user',
        data: { id: 'orlova', name: 'Орлова Н.', role: 'cashier', pin: '4321', stores: ['S1'] },
      },
      { kind: 'user', data: { id: 'other', name: 'Чужой', role: 'manager', pin: '5678', stores: ['S9'] } },
    ]);
    await expect.poll(() => login('4321'), { timeout: 10_000, interval: 100 }).toBe('Орлова Н.');
    expect(await login('5678')).toBe(401);

    // A product removed at the head office can no longer be sold.
    await edit(hq, [{ kind: 'product', id: 'milk', deleted: true }]);
    await expect
      .poll(async () => (await s.call('GET', `/api/scan?code=${MILK}`)).status, {
        timeout: 10_000,
        interval: 50,
      })
      .toBe(404);
    await sleep(10);
  }, 60_000);
});
