/**
 * `npm run fuzz -- --surface till`: junk in the path, query, body and headers of every route of a
 * till's local API (the sale screen's), with no session, a junk one and a cashier's, while the
 * cashier goes on selling. Each answer is checked (no 5xx, a reason on every 4xx) and the till's
 * own database changes only by the valid sales: no document, user, product or setting from junk.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { sql } from 'kysely';
import { openDatabase } from '@openkassa/db';
import { startKktEmulator } from '@openkassa/kkt-emulator';
import { startTill, ean13 } from '@openkassa/till';
import { junkBody, junkParam, type Req } from './http.js';
import type { FuzzReport } from './surfaces.js';

/** Every route of the till's API; those that act on a session alone are sent no valid session. */
const ROUTES = [
  'GET /healthz',
  'POST /api/login',
  'POST /api/logout',
  'GET /api/status',
  'GET /api/scan',
  'GET /api/search',
  'POST /api/shift/open',
  'POST /api/shift/close',
  'POST /api/report/x',
  'POST /api/sale',
  'POST /api/void',
  'POST /api/return',
  'POST /api/return/without-receipt',
  'POST /api/cash',
  'GET /api/documents',
  'GET /api/documents/:number',
  'GET /api/settings',
  'PUT /api/settings/weighted-layouts',
  'POST /api/catalog/import',
] as const;
const SESSION_ONLY = new Set([
  'POST /api/logout',
  'POST /api/shift/open',
  'POST /api/shift/close',
  'POST /api/report/x',
]);

const TABLES = ['documents', 'outbox', 'users', 'products', 'barcodes', 'settings'] as const;

export async function fuzzTill(inputs: number, seed: number): Promise<FuzzReport> {
  const dir = mkdtempSync(join(tmpdir(), 'ok-fuzz-till-'));
  const quiet = { info: () => undefined, warn: () => undefined };
  const kkt = await startKktEmulator(
    {
      fn: '9999000000000555',
      ofd: { host: '127.0.0.1', port: 9 },
      http: { host: '127.0.0.1', port: 0 },
      dataDir: join(dir, 'kkt'),
      ffd: '1.2',
      retryMinMs: 60_000,
      retryMaxMs: 60_000,
    },
    quiet,
  );
  const till = await startTill(
    {
      dataDir: join(dir, 'till'),
      kkt: kkt.httpUrl,
      http: { host: '127.0.0.1', port: 0 },
      store: 'S1',
      till: 'T1',
      demoCatalog: 50,
    },
    quiet,
  );
  const db = openDatabase<Record<string, unknown>>({
    kind: 'sqlite',
    file: join(dir, 'till', 'till.sqlite'),
  });
  const state = async () => {
    const out: Record<string, string> = {};
    for (const t of TABLES) {
      const rows = await sql<{ r: string }>`select * from ${sql.table(t)}`.execute(db.db);
      out[t] = JSON.stringify(rows.rows);
    }
    return out;
  };
  const t0 = performance.now();
  const call = async (method: string, path: string, headers: Record<string, string>, body?: string) => {
    const r = await fetch(`${till.url}${path}`, { method, headers, ...(body !== undefined && { body }) });
    return { status: r.status, text: await r.text() };
  };
  const login = JSON.parse(
    (await call('POST', '/api/login', { 'content-type': 'application/json' }, '{"pin":"2222"}')).text,
  ) as {
    token: string;
  };
  const cashier = { authorization: `Bearer ${login.token}` };
  await call('POST', '/api/shift/open', cashier);
  const failures: FuzzReport['failures'] = [];
  const none = new Uint8Array();
  const before = await state();

  const perRoute = Math.max(1, Math.ceil(inputs / ROUTES.length));
  const requests: Req[] = [];
  for (const [ri, route] of ROUTES.entries()) {
    const [method, pattern] = route.split(' ') as [string, string];
    const bodies = fc.sample(junkBody, { numRuns: perRoute, seed: seed * 7919 + ri });
    const params = fc.sample(junkParam, { numRuns: perRoute, seed: seed * 7919 + 1000 + ri });
    for (let i = 0; i < perRoute; i++) {
      const p = encodeURIComponent(params[i]!.slice(0, 200));
      const auths = [{}, { authorization: 'Bearer junk' }, ...(SESSION_ONLY.has(route) ? [] : [cashier])];
      const headers: Record<string, string> = { ...auths[i % auths.length] };
      const path = `${pattern.replace(/:[a-z]+/g, p)}?code=${p}&q=${p}&limit=${p}&text=${p}`;
      if (method === 'GET') requests.push({ method, path, headers });
      else
        requests.push({
          method,
          path,
          headers: { ...headers, 'content-type': 'application/json' },
          body: bodies[i]!,
        });
    }
  }

  // the cashier sells all along
  let stop = false;
  let sold = 0;
  const valid = (async () => {
    while (!stop) {
      const r = await call(
        'POST',
        '/api/sale',
        { ...cashier, 'content-type': 'application/json' },
        JSON.stringify({ lines: [{ barcode: ean13('460000000001') }], card: 0, cashTendered: 100_000 }),
      );
      if (r.status === 200) sold++;
      else failures.push({ bytes: none, why: `a valid sale failed: ${r.status} ${r.text.slice(0, 120)}` });
    }
  })();
  const statuses: Record<string, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < requests.length) {
        const q = requests[next++]!;
        const r = await call(q.method, q.path, q.headers, typeof q.body === 'string' ? q.body : undefined);
        statuses[`HTTP ${r.status}`] = (statuses[`HTTP ${r.status}`] ?? 0) + 1;
        if (r.status >= 500)
          failures.push({
            bytes: none,
            why: `${q.method} ${q.path.slice(0, 100)} → ${r.status} ${r.text.slice(0, 120)}`,
          });
        if (r.status >= 400 && r.status < 500 && !/"message":"[^"]+/.test(r.text))
          failures.push({
            bytes: none,
            why: `${q.method} ${q.path.slice(0, 80)} → ${r.status} without a reason`,
          });
      }
    }),
  );
  stop = true;
  await valid;
  const after = await state();
  // only the valid sales changed the till: documents and their outbox rows, one each
  const docs = (s: Record<string, string>) => (JSON.parse(s.documents!) as unknown[]).length;
  const outbox = (s: Record<string, string>) => (JSON.parse(s.outbox!) as unknown[]).length;
  if (docs(after) - docs(before) !== sold || outbox(after) - outbox(before) !== sold)
    failures.push({
      bytes: none,
      why: `documents grew by ${docs(after) - docs(before)} for ${sold} valid sales`,
    });
  for (const t of ['users', 'products', 'barcodes', 'settings'] as const)
    if (after[t] !== before[t]) failures.push({ bytes: none, why: `the till's ${t} changed` });
  await db.close();
  await till.close();
  await kkt.close();
  return {
    surface: 'till',
    inputs: requests.length,
    seconds: (performance.now() - t0) / 1000,
    outcomes: { ...statuses, 'valid sales alongside': sold },
    failures,
  };
}
