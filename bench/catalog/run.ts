/**
 * bench/catalog: a head office with a catalogue of N products (default 300,000); a new till
 * loads it through the change feed (its snapshot); a store server mirrors it and a till behind
 * the store sees price changes made at the head office. Prints the snapshot time, the latency of
 * a price change head office → store → till (p50/max), and the raw limit: plain SQLite inserts of
 * the same products and barcodes into a new file, measured in the same run.
 *
 *   npm run bench:catalog -- [--products 300000] [--changes 20]
 */
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { demoCatalogItems } from '@openkassa/till';
import {
  enrollCode,
  startLocalServer,
  startTillRole,
  stopAll,
  tempDir,
  tillSession,
} from '../../test/e2e/support.js';
import { numberArg, quantile, runBench } from '../support.js';

const PRODUCTS = numberArg('products', 300_000);
const CHANGES = numberArg('changes', 20);

const items = demoCatalogItems(PRODUCTS);
const goods = items.map(
  (i) =>
    i.data as {
      id: string;
      name: string;
      price: number;
      vat: number;
      weighted: boolean;
      plu?: string;
      barcodes: string[];
    },
);

async function edit(
  server: { api: string; auth: Record<string, string> },
  items: unknown[],
): Promise<number> {
  const r = await fetch(`${server.api}/api/v1/catalog/items`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...server.auth },
    body: JSON.stringify({ items }),
  });
  if (r.status !== 200) throw new Error(`edit: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { head: number }).head;
}

const server = (extra: string[]) => startLocalServer('bench-cat', extra);

async function tillStatus(url: string): Promise<{ products: number; catalog: { cursor: number } | null }> {
  return (await (await fetch(`${url}/api/status`)).json()) as {
    products: number;
    catalog: { cursor: number } | null;
  };
}

/** Waits until a till has applied the catalogue up to `head`, with every product. */
async function untilLoaded(url: string, head: number, everyMs: number): Promise<void> {
  for (;;) {
    const s = await tillStatus(url);
    if (s.catalog && s.catalog.cursor >= head && s.products === PRODUCTS) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const RAW = join(tempDir('bench-cat-raw'), 'raw.sqlite');

function rawInsert(): number {
  const db = new BetterSqlite3(RAW);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`create table products (id text primary key, name text, search_name text, price integer, vat integer,
    weighted integer, plu text, article text); create index ps on products (search_name); create index pp on products (plu);
    create table barcodes (code text primary key, product_id text); create index bp on barcodes (product_id)`);
  const p = db.prepare('insert into products values (?,?,?,?,?,?,?,?)');
  const b = db.prepare('insert into barcodes values (?,?)');
  const t0 = performance.now();
  db.transaction(() => {
    for (const g of goods) {
      p.run(g.id, g.name, g.name.toLowerCase(), g.price, g.vat, g.weighted ? 1 : 0, g.plu ?? null, null);
      for (const c of g.barcodes) b.run(c, g.id);
    }
  })();
  const ms = performance.now() - t0;
  db.close();
  return ms;
}

async function main() {
  console.log(`bench/catalog: ${PRODUCTS} products, ${CHANGES} price changes, node ${process.version}`);
  const hq = await server(['--ofd', '127.0.0.1:9']);
  let t0 = performance.now();
  let head = await edit(hq, [{ kind: 'store', data: { id: 'S1', name: 'Магазин 1', group: 'g1' } }]);
  for (let i = 0; i < goods.length; i += 20_000) head = await edit(hq, items.slice(i, i + 20_000));
  console.log(
    `head office: ${PRODUCTS} products written in ${((performance.now() - t0) / 1000).toFixed(1)} s (head ${head})`,
  );

  // A new till straight on the head office: the snapshot.
  t0 = performance.now();
  const till = await startTillRole([
    '--kkt',
    'http://127.0.0.1:9',
    '--server',
    hq.api,
    '--enroll',
    await enrollCode(hq, 'S1'),
    '--data',
    tempDir('bench-cat-till'),
    '--http',
    '127.0.0.1:0',
    '--store',
    'S1',
    '--demo-catalog',
    '0',
  ]);
  await untilLoaded(till.url, head, 100);
  const snapshotMs = performance.now() - t0;
  const rawMs = rawInsert();

  // The back office's catalogue search on the head office, and the same LIKE on the raw table.
  const searches = ['крупа', 'сок №1', 'чай №29999', '4700000123456', 'нет такого товара'];
  const searchMs: number[] = [];
  for (let round = 0; round < 5; round++)
    for (const q of searches) {
      const t = performance.now();
      const r = await fetch(
        `${hq.api}/api/v1/catalog/items?kind=product&limit=50&q=${encodeURIComponent(q)}`,
        {
          headers: hq.auth,
        },
      );
      if (r.status !== 200) throw new Error(`search: ${r.status}`);
      await r.json();
      searchMs.push(performance.now() - t);
    }
  const raw = new BetterSqlite3(RAW, { readonly: true });
  const like = raw.prepare(
    'select * from products where search_name like ? and search_name like ? order by search_name, id limit 51',
  );
  const rawSearchMs: number[] = [];
  for (let round = 0; round < 5; round++)
    for (const q of searches) {
      const [a = '', b = ''] = q.split(' ');
      const t = performance.now();
      like.all(`%${a}%`, `%${b}%`);
      rawSearchMs.push(performance.now() - t);
    }
  raw.close();
  console.log(
    `back-office search over ${PRODUCTS} products (a page of 50, over HTTP): p50 ${quantile(searchMs, 0.5).toFixed(0)} ms, max ${Math.max(...searchMs).toFixed(0)} ms` +
      `
raw limit: the same LIKE on a plain SQLite table of the products: p50 ${quantile(rawSearchMs, 0.5).toFixed(0)} ms, max ${Math.max(...rawSearchMs).toFixed(0)} ms`,
  );

  // A store server mirroring the head office, and a till behind it.
  const store = await server([
    '--ofd',
    '127.0.0.1:9',
    '--upstream-server',
    hq.api,
    '--upstream-enroll',
    await enrollCode(hq, 'S1', 'store-server'),
    '--store',
    'S1',
  ]);
  const storeTill = await startTillRole([
    '--kkt',
    'http://127.0.0.1:9',
    '--server',
    store.api,
    '--enroll',
    await enrollCode(store, 'S1'),
    '--data',
    tempDir('bench-cat-till2'),
    '--http',
    '127.0.0.1:0',
    '--store',
    'S1',
    '--demo-catalog',
    '0',
  ]);
  await untilLoaded(storeTill.url, head, 200);
  const session = await tillSession(storeTill.url, '9999');
  const latencies: number[] = [];
  for (let i = 0; i < CHANGES; i++) {
    const g = goods[(i * 7919) % goods.length]!;
    const price = 100_000 + i;
    const t = performance.now();
    await edit(hq, [{ kind: 'price', data: { productId: g.id, scope: 'store:S1', price } }]);
    for (;;) {
      const r = await session.call('GET', `/api/scan?code=${g.barcodes[0]!}`);
      if (r.body.price === price) break;
      await new Promise((res) => setTimeout(res, 5));
    }
    latencies.push(performance.now() - t);
  }
  console.log(
    `\nnew till, snapshot of ${PRODUCTS} products over HTTP into its SQLite: ${(snapshotMs / 1000).toFixed(1)} s from start (target < 10 s)` +
      `\nraw limit: plain SQLite insert of the same products and barcodes in one transaction: ${(rawMs / 1000).toFixed(1)} s` +
      `\nprice change head office → store server → till: p50 ${quantile(latencies, 0.5).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms over ${CHANGES} changes (target < 2 s)`,
  );
  await stopAll();
}

runBench(main);
