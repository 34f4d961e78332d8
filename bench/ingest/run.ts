/**
 * bench/ingest: many tills posting sales batches to a cash server (a separate process) on SQLite
 * and on PostgreSQL. Prints receipts/s, p50/p99 batch latency, and the raw durable insert rate
 * of the same rows into the same kind of database measured in the same run; then the time of a
 * Z report over 10,000 receipts (server and till) and of a till scan with a 300,000-product
 * catalogue, each next to the plain query on the same data.
 *
 *   npm run bench:ingest -- [--tills 50] [--batch 50] [--seconds 8]
 */
import { deviceHeaders } from '@openkassa/server/testing';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { sampleSale, type SalesDocument } from '@openkassa/contracts';
import { createTestDatabase, type TestDatabase } from '@openkassa/db/testing';
import { openDatabase } from '@openkassa/db';
import { buildTillApp, demoCatalog, ean13 } from '@openkassa/till';
import { tillMigrations } from '../../apps/till/src/migrations/index.js';
import { importProducts } from '../../apps/till/src/catalog/catalog.repo.js';
import { Sessions, addUser } from '../../apps/till/src/auth/users.js';
import { TillService } from '../../apps/till/src/sales/till.service.js';
import { AtolClient } from '../../apps/till/src/kkt/atol-client.js';
import type { TillSchema } from '../../apps/till/src/schema.js';
import { startLocalServer, stopAll, tempDir } from '../../test/e2e/support.js';
import { numberArg, quantile, runBench } from '../support.js';

const TILLS = numberArg('tills', 50);
const BATCH = numberArg('batch', 50);
const SECONDS = numberArg('seconds', 8);

const q = quantile;
const ms = (t0: number) => performance.now() - t0;

/** Each server's administrator, and the store servers enrolled there (one per store posted for). */
const admins = new Map<string, Record<string, string>>();
const devices = new Map<string, Promise<Record<string, string>>>();
const asStoreServer = (api: string, store: string) => {
  const key = `${api} ${store}`;
  let h = devices.get(key);
  if (!h) {
    h = deviceHeaders(api, admins.get(api)!, { id: `store-server:${store}`, store, kind: 'store-server' });
    devices.set(key, h);
  }
  return h;
};

async function post(api: string, docs: readonly SalesDocument[]): Promise<void> {
  const r = await fetch(`${api}/api/v1/sales/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await asStoreServer(api, docs[0]!.store)) },
    body: JSON.stringify({ documents: docs }),
  });
  const body = (await r.json()) as { results?: { status: string }[] };
  if (r.status !== 200 || !body.results?.every((x) => x.status === 'stored'))
    throw new Error(`batch not stored: ${r.status} ${JSON.stringify(body).slice(0, 300)}`);
}

/** Each till posts its next batch as soon as the previous one is acknowledged. */
async function ingest(api: string, store: string) {
  const latencies: number[] = [];
  let receipts = 0;
  const end = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: TILLS }, async (_, t) => {
      for (let n = 1; Date.now() < end;) {
        const docs = Array.from({ length: BATCH }, () => sampleSale({ store, till: `T${t}`, number: n++ }));
        const t0 = performance.now();
        await post(api, docs);
        latencies.push(ms(t0));
        receipts += docs.length;
      }
    }),
  );
  return { perSecond: receipts / SECONDS, p50: q(latencies, 0.5), p99: q(latencies, 0.99) };
}

/** A document's row and its lines' rows as the raw inserts write them (both engines). */
function rawDocument(d: SalesDocument): unknown[] {
  return [
    d.id,
    d.store,
    d.till,
    d.kind,
    d.at,
    d.at.slice(0, 10),
    d.shift,
    d.number,
    d.cashier,
    d.total,
    d.payments.cash,
    d.payments.card,
    JSON.stringify(d),
    new Date().toISOString(),
  ];
}
const rawLines = (d: SalesDocument): unknown[][] =>
  d.lines.map((l, i) => [d.id, i + 1, l.name, l.quantity, l.price, l.sum, l.vat]);

/** The same rows straight into the database, one durable transaction per batch: the ceiling. */
function rawSqlite(docs: readonly SalesDocument[]): number {
  const db = new BetterSqlite3(join(tempDir('bench-raw'), 'raw.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`create table d (id text primary key, store text, till text, kind text, at text, day text, shift integer,
    number integer, cashier text, total integer, cash integer, card integer, payload_json text, received_at text);
    create index d_shift on d (store, till, shift); create index d_day on d (day, store);
    create table l (doc_id text, line_no integer, name text, quantity text, price integer, sum integer, vat integer,
    primary key (doc_id, line_no))`);
  const insD = db.prepare('insert into d values (?,?,?,?,?,?,?,?,?,?,?,?,?,?)');
  const insL = db.prepare('insert into l values (?,?,?,?,?,?,?)');
  const batch = db.transaction((ds: readonly SalesDocument[]) => {
    for (const d of ds) {
      insD.run(...rawDocument(d));
      for (const l of rawLines(d)) insL.run(...l);
    }
  });
  const t0 = performance.now();
  for (let i = 0; i < docs.length; i += BATCH) batch(docs.slice(i, i + BATCH));
  const rate = docs.length / (ms(t0) / 1000);
  db.close();
  return rate;
}

async function rawPostgres(docs: readonly SalesDocument[], url: string, schema: string): Promise<number> {
  const c = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await c.connect();
  await c.query(`create table d (id text primary key, store text, till text, kind text, at text, day text, shift integer,
    number integer, cashier text, total bigint, cash bigint, card bigint, payload_json text, received_at text);
    create index d_shift on d (store, till, shift); create index d_day on d (day, store);
    create table l (doc_id text, line_no integer, name text, quantity text, price bigint, sum bigint, vat integer,
    primary key (doc_id, line_no))`);
  // As many connections as the tills use at once, each committing its own batch.
  const clients = await Promise.all(
    Array.from({ length: 10 }, async () => {
      const k = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
      await k.connect();
      return k;
    }),
  );
  const batches: SalesDocument[][] = [];
  for (let i = 0; i < docs.length; i += BATCH) batches.push(docs.slice(i, i + BATCH));
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (k) => {
      for (let b = batches.pop(); b; b = batches.pop()) {
        const dv: unknown[] = [];
        const lv: unknown[] = [];
        for (const d of b) {
          dv.push(...rawDocument(d));
          for (const l of rawLines(d)) lv.push(...l);
        }
        const ph = (n: number, w: number) =>
          Array.from(
            { length: n },
            (_, r) => `(${Array.from({ length: w }, (_, c) => `$${r * w + c + 1}`).join(',')})`,
          ).join(',');
        await k.query('begin');
        await k.query(`insert into d values ${ph(b.length, 14)}`, dv);
        await k.query(`insert into l values ${ph(lv.length / 7, 7)}`, lv);
        await k.query('commit');
      }
    }),
  );
  const rate = docs.length / (ms(t0) / 1000);
  for (const k of clients) await k.end();
  await c.end();
  return rate;
}

async function serverFor(kind: 'sqlite' | 'postgres', pgDb?: TestDatabase) {
  const storage =
    kind === 'sqlite'
      ? 'bench-ingest'
      : pgDb?.config.kind === 'postgres'
        ? ['--db', `${pgDb.config.url}?schema=${pgDb.config.schema}`]
        : [];
  const s = await startLocalServer(storage, ['--ofd', '127.0.0.1:9']);
  admins.set(s.api, s.auth);
  return s.api;
}

/** Z report over 10,000 receipts of one shift: the server's shift report. */
async function zOnServer(api: string): Promise<{ ms: number; count: number }> {
  for (let n = 1; n <= 10_000; n += 500)
    await post(
      api,
      Array.from({ length: 500 }, (_, i) => sampleSale({ store: 'Z', till: 'Z1', shift: 7, number: n + i })),
    );
  const t0 = performance.now();
  const r = (await (
    await fetch(`${api}/api/v1/sales/shift-report?store=Z&till=Z1&shift=7`, { headers: admins.get(api)! })
  ).json()) as {
    sale: { count: number };
  };
  return { ms: ms(t0), count: r.sale.count };
}

/** The till's side: its Z totals over 10,000 receipts, and a scan with 300,000 products. */
async function tillFigures() {
  const dir = tempDir('bench-till');
  const db = openDatabase<TillSchema>(
    { kind: 'sqlite', file: join(dir, 'till.sqlite') },
    { migrations: tillMigrations },
  );
  await db.migrate();
  const t0 = performance.now();
  await importProducts(db, demoCatalog(300_000));
  const importMs = ms(t0);
  await addUser(db, { id: 'c', name: 'Кассир', role: 'cashier', pin: '1111' });
  // 10,000 finished receipts in shift 1, as the till stores them.
  await db.transaction(async (tx) => {
    for (let i = 1; i <= 10_000; i += 500) {
      await tx.db
        .insertInto('documents')
        .values(
          Array.from({ length: 500 }, (_, k) => ({
            id: randomUUID(),
            number: i + k,
            kind: 'sale',
            state: 'done' as const,
            shift: 1,
            cashier: 'Кассир',
            created_at: new Date().toISOString(),
            total: 10_000 + k,
            cash: 10_000 + k,
            card: 0,
            tendered: 10_000 + k,
            change: 0,
            lines_json: '[]',
            original_id: null,
            kkt_uuid: randomUUID(),
            kkt_tasks_json: '[]',
            fiscal_json: null,
            kkt_totals_json: null,
            error: null,
            doc_json: null,
          })),
        )
        .execute();
    }
  });
  const till = new TillService({
    db,
    kkt: new AtolClient('http://127.0.0.1:9'),
    store: 'S1',
    till: 'T1',
    clock: { now: () => new Date() },
    ids: { uuid: randomUUID },
    layouts: () => [{ prefixes: ['21'], mask: 'PPTTTTTWWWWWK' }],
    onDocument: () => undefined,
    log: { warn: () => undefined },
  });
  const z0 = performance.now();
  const totals = await till.tillTotals(1);
  const zMs = ms(z0);
  const app = buildTillApp({
    db,
    till,
    sessions: new Sessions(),
    store: 'S1',
    tillId: 'T1',
    layouts: {
      current: () => [{ prefixes: ['21'], mask: 'PPTTTTTWWWWWK' }],
      set: () => Promise.resolve(undefined),
    },
    upload: {
      status: () => ({ online: false, lastSuccessAt: null, lastError: null, sent: 0, rejected: 0 }),
      pending: () => Promise.resolve(0),
      rejected: () => Promise.resolve(0),
    },
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const login = (await (
    await fetch(`${url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"pin":"1111"}',
    })
  ).json()) as { token: string };
  const scans: number[] = [];
  const raw: number[] = [];
  const plain = new BetterSqlite3(join(dir, 'till.sqlite'), { readonly: true });
  const lookup = plain.prepare(
    'select p.* from barcodes b join products p on p.id = b.product_id where b.code = ?',
  );
  for (let i = 0; i < 2000; i++) {
    const code =
      i % 10 === 0
        ? ean13(`21001010${String(100 + (i % 900)).padStart(4, '0')}`)
        : ean13(`47${String((i * 7919) % 299_000).padStart(10, '0')}`);
    const s0 = performance.now();
    const r = await fetch(`${url}/api/scan?code=${code}`, {
      headers: { authorization: `Bearer ${login.token}` },
    });
    await r.json();
    scans.push(ms(s0));
    if (r.status !== 200) throw new Error(`scan ${code}: ${r.status}`);
    const r0 = performance.now();
    lookup.get(code);
    raw.push(ms(r0));
  }
  plain.close();
  await app.close();
  await db.close();
  return {
    importMs,
    zMs,
    zCount: totals.sale.count,
    scanP50: q(scans, 0.5),
    scanP99: q(scans, 0.99),
    rawP50: q(raw, 0.5),
  };
}

async function main() {
  console.log(
    `bench/ingest: ${TILLS} tills posting batches of ${BATCH}, ${SECONDS} s per database, node ${process.version}`,
  );
  const rows: string[] = [];
  for (const kind of ['sqlite', 'postgres'] as const) {
    const pgDb = kind === 'postgres' ? await createTestDatabase('postgres') : undefined;
    const rawDb = kind === 'postgres' ? await createTestDatabase('postgres') : undefined;
    try {
      const api = await serverFor(kind, pgDb);
      const r = await ingest(api, 'S1');
      const sample = Array.from({ length: Math.max(5000, Math.round(r.perSecond * 2)) }, (_, i) =>
        sampleSale({ till: `R${i % TILLS}`, number: i + 1 }),
      );
      const raw =
        kind === 'sqlite'
          ? rawSqlite(sample)
          : rawDb?.config.kind === 'postgres'
            ? await rawPostgres(sample, rawDb.config.url, rawDb.config.schema!)
            : NaN;
      const z = await zOnServer(api);
      rows.push(
        `${kind.padEnd(8)} | ${r.perSecond.toFixed(0).padStart(10)} | ${r.p50.toFixed(1).padStart(7)} | ${r.p99.toFixed(1).padStart(7)} | ${raw.toFixed(0).padStart(9)} | ${((r.perSecond / raw) * 100).toFixed(0).padStart(5)}% | ${z.ms.toFixed(1)} ms over ${z.count}`,
      );
      await stopAll();
    } finally {
      await pgDb?.drop();
      await rawDb?.drop();
    }
  }
  console.log('\ndatabase | receipts/s | p50 ms  | p99 ms  | raw rows/s | ratio  | Z report (server)');
  for (const r of rows) console.log(r);
  console.log('(target: ingest ≥ 50 % of the raw durable insert rate of the same rows; Z report < 1 s)');
  const t = await tillFigures();
  console.log(`\ntill: 300,000 products imported in ${(t.importMs / 1000).toFixed(1)} s`);
  console.log(`till: Z totals over ${t.zCount} receipts in ${t.zMs.toFixed(1)} ms (target < 1 s)`);
  console.log(
    `till: scan over HTTP p50 ${t.scanP50.toFixed(2)} ms, p99 ${t.scanP99.toFixed(2)} ms with 300,000 products (target < 50 ms); plain SQLite lookup p50 ${t.rawP50.toFixed(3)} ms`,
  );
}

runBench(main);
