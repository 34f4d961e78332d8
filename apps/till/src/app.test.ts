import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TILL_API } from '@openkassa/contracts';
import { openDatabase, type Database } from '@openkassa/db';
import { buildTillApp } from './app.js';
import { addUser, Sessions } from './auth/users.js';
import { importProducts } from './catalog/catalog.repo.js';
import { DEMO_USERS, demoCatalog, ean13 } from './demo.js';
import { AtolClient } from './kkt/atol-client.js';
import { tillMigrations } from './migrations/index.js';
import { TillService } from './sales/till.service.js';
import type { TillSchema } from './schema.js';
import { LayoutSettings } from './settings.js';

let db: Database<TillSchema>;
let app: ReturnType<typeof buildTillApp>;
const idle = {
  online: false,
  lastSuccessAt: null,
  lastError: 'connect ECONNREFUSED 10.20.30.40:8080',
  sent: 0,
  rejected: 0,
};

beforeAll(async () => {
  db = openDatabase<TillSchema>(
    {
      kind: 'sqlite',
      file: join(mkdtempSync(join(tmpdir(), 'till-app-')), 'till.sqlite'),
      checkNesting: true,
    },
    { migrations: tillMigrations },
  );
  await db.migrate();
  for (const u of DEMO_USERS) await addUser(db, u);
  await importProducts(db, demoCatalog(100));
  const layouts = new LayoutSettings(db);
  await layouts.load();
  app = buildTillApp({
    db,
    till: new TillService({
      db,
      kkt: new AtolClient('http://127.0.0.1:9'),
      store: 'S1',
      till: 'T1',
      clock: { now: () => new Date() },
      ids: { uuid: randomUUID },
      layouts: () => layouts.current(),
      onDocument: () => undefined,
      log: { warn: () => undefined },
    }),
    sessions: new Sessions(),
    store: 'S1',
    tillId: 'T1',
    layouts,
    upload: { status: () => idle, pending: () => Promise.resolve(0), rejected: () => Promise.resolve(0) },
    catalog: () => ({ cursor: 7, online: false, lastError: 'GET http://10.20.30.40:8080/feed: 502' }),
    messages: () => [
      { id: 'm1', text: 'Инвентаризация в 20:00', at: new Date().toISOString(), kind: 'message' },
    ],
    workers: {
      health: () => [
        {
          name: 'upload',
          state: 'restarting',
          restarts: 1,
          lastError: 'SQLITE_FULL /var/lib/openkassa/till.sqlite',
          lastErrorAt: new Date().toISOString(),
        },
      ],
    },
  });
});
afterAll(async () => {
  await app.close();
  await db.close();
});

async function login(pin: string): Promise<string> {
  const r = await app.inject({ method: 'POST', url: '/api/login', payload: { pin } });
  expect(r.statusCode).toBe(200);
  return r.json<{ token: string }>().token;
}

describe('till API', () => {
  it('serves every route of its spec in packages/contracts', () => {
    expect(TILL_API.filter((r) => !app.hasRoute({ method: r.method, url: r.url })).map((r) => r.url)).toEqual(
      [],
    );
    expect(TILL_API.length).toBeGreaterThan(15);
  });

  it('serves the sale screen and asks for a PIN before anything else', async () => {
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('Вход кассира');
    expect((await app.inject({ method: 'GET', url: '/app.js' })).statusCode).toBe(200);
    const bad = await app.inject({ method: 'POST', url: '/api/login', payload: { pin: '0000' } });
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toEqual({ error: { code: 'bad-pin', message: 'Неверный PIN-код' } });
    expect((await app.inject({ method: 'GET', url: '/api/scan?code=1' })).statusCode).toBe(401);
    const junk = await app.inject({
      method: 'POST',
      url: '/api/sale',
      headers: { authorization: `Bearer ${await login('1111')}` },
      payload: { lines: 'x' },
    });
    expect(junk.statusCode).toBe(400);
    expect(junk.json<{ error: { message: string } }>().error.message).toMatch(/^lines: /);
  });

  it('tells a stranger how the till is doing, and only a logged-in cashier where it is and what went wrong', async () => {
    const anonymous = await app.inject({ method: 'GET', url: '/api/status' });
    expect(anonymous.statusCode).toBe(200);
    expect(anonymous.json()).toEqual({
      user: null,
      shift: { number: 0, open: false },
      link: { online: false },
      workers: [expect.objectContaining({ name: 'upload', state: 'restarting', lastError: 'failed' })],
      queue: 0,
      rejected: 0,
      kktPending: 0,
      products: 100,
      catalog: { cursor: 7, online: false },
    });
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(503);
    for (const secret of ['10.20.30.40', '"S1"', '"T1"', 'Инвентаризация', 'SQLITE_FULL', '/var/lib'])
      expect(anonymous.body + health.body).not.toContain(secret);

    const auth = { authorization: `Bearer ${await login('1111')}` };
    const mine = (await app.inject({ method: 'GET', url: '/api/status', headers: auth })).json();
    expect(mine).toMatchObject({
      store: 'S1',
      till: 'T1',
      user: { role: expect.any(String) },
      link: { lastError: idle.lastError },
      catalog: { lastError: expect.stringContaining('502') },
      messages: [{ text: 'Инвентаризация в 20:00' }],
      workers: [{ lastError: expect.stringContaining('SQLITE_FULL') }],
    });
    expect((await app.inject({ method: 'GET', url: '/healthz', headers: auth })).body).toContain(
      'SQLITE_FULL',
    );
  });

  it('finds goods by barcode and by part of the name', async () => {
    const auth = { authorization: `Bearer ${await login('1111')}` };
    const milk = await app.inject({
      method: 'GET',
      url: `/api/scan?code=${ean13('460000000001')}&qty=3`,
      headers: auth,
    });
    expect(milk.json()).toMatchObject({ name: 'Молоко 3,2% 1 л', quantity: '3', sum: 26970 });
    const half = await app.inject({
      method: 'GET',
      url: `/api/scan?code=${ean13('460000000001')}&qty=0.5`,
      headers: auth,
    });
    expect(half.json()).toEqual({
      error: {
        code: 'unknown-barcode',
        message: 'Молоко 3,2% 1 л: штучный товар продаётся целым количеством',
      },
    });
    const found = await app.inject({
      method: 'GET',
      url: `/api/search?q=${encodeURIComponent('бородин')}`,
      headers: auth,
    });
    expect(found.json<{ products: { name: string }[] }>().products.map((p) => p.name)).toEqual([
      'Хлеб Бородинский 400 г',
    ]);
    const pct = await app.inject({
      method: 'GET',
      url: `/api/search?q=${encodeURIComponent('%%')}`,
      headers: auth,
    });
    expect(pct.json<{ products: unknown[] }>().products).toEqual([]);
  });

  it('lets a manager set the store’s weighted barcode layouts, checked, and scans by them', async () => {
    const cashier = { authorization: `Bearer ${await login('1111')}` };
    const manager = { authorization: `Bearer ${await login('9999')}` };
    const costLabel = ean13('270010108990'); // prefix 27, PLU 101, cost 89.90 ₽
    expect(
      (await app.inject({ method: 'GET', url: `/api/scan?code=${costLabel}`, headers: cashier })).json(),
    ).toEqual({
      error: { code: 'unknown-barcode', message: `Товар со штрихкодом ${costLabel} не найден` },
    });
    const layouts = [
      { prefixes: ['20', '21', '22', '23', '24', '25'], mask: 'PPTTTTTWWWWWK' },
      { prefixes: ['27'], mask: 'PPTTTTTCCCCCK' },
    ];
    const url = '/api/settings/weighted-layouts';
    expect(
      (await app.inject({ method: 'PUT', url, headers: cashier, payload: { layouts } })).statusCode,
    ).toBe(403);
    const bad = await app.inject({
      method: 'PUT',
      url,
      headers: manager,
      payload: { layouts: [{ prefixes: ['27'], mask: 'PPTTTTTXXXXXK' }] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { message: string } }>().error.message).toMatch(/mask "PPTTTTTXXXXXK"/);
    const twice = await app.inject({
      method: 'PUT',
      url,
      headers: manager,
      payload: { layouts: [layouts[1], layouts[1]] },
    });
    expect(twice.json()).toEqual({ error: { code: 'bad-layout', message: 'prefix 27 is in two layouts' } });
    expect(
      (await app.inject({ method: 'PUT', url, headers: manager, payload: { layouts } })).statusCode,
    ).toBe(200);
    const cheese = await app.inject({ method: 'GET', url: `/api/scan?code=${costLabel}`, headers: cashier });
    // 89.90 ₽ of cheese at 899.00 ₽/kg is 0.100 kg.
    expect(cheese.json()).toMatchObject({
      name: 'Сыр Российский весовой',
      quantity: '0.100',
      sum: 8990,
      weighted: true,
    });
    // Kept in the till's database: a restarted till reads them back.
    const again = new LayoutSettings(db);
    await again.load();
    expect(again.current()).toEqual(layouts);
  });
});
