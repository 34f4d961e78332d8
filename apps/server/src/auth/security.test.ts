import { backofficeFiles } from '@openkassa/backoffice';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { sampleSale, type SalesDocument } from '@openkassa/contracts';
import { openDatabase, type Database } from '@openkassa/db';
import { createTestDatabase, type TestDatabase } from '@openkassa/db/testing';
import type { RunningServer } from '../main.js';
import { serverDbOptions } from '../migrations/index.js';
import type { ServerSchema } from '../schema.js';
import { adminHeaders, deviceHeaders, startTestServer } from '../testing.js';

const json = { 'content-type': 'application/json' };

const start = (t: TestDatabase, extra: Parameters<typeof startTestServer>[1] = {}) =>
  startTestServer(t.config, { archiveAfterDays: 0, ...extra });

async function call(
  s: RunningServer,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${s.httpUrl}${path}`, {
    method,
    headers: { ...(body !== undefined && json), ...headers },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: r.status, body: parsed };
}

async function userHeaders(
  s: RunningServer,
  admin: Record<string, string>,
  u: { login: string; role: string; stores: '*' | string[] },
): Promise<Record<string, string>> {
  const password = `pw-${u.login}-12345`;
  const made = await call(s, 'POST', '/api/v1/users', admin, { ...u, name: u.login, password });
  expect(made.status).toBe(201);
  const r = await call(s, 'POST', '/api/v1/auth/login', {}, { login: u.login, password });
  expect(r.status).toBe(200);
  return { authorization: `Bearer ${r.body.token as string}` };
}

const WHO = [
  'anonymous',
  'cashier',
  'senior',
  'manager',
  'analyst',
  'admin',
  'till',
  'store-server',
  'scale-server',
] as const;
type Who = (typeof WHO)[number];
const PUBLIC = WHO;
const BACK_OFFICE: Who[] = ['manager', 'analyst', 'admin'];
const USERS: Who[] = ['cashier', 'senior', 'manager', 'analyst', 'admin'];
const DEVICES: Who[] = ['till', 'store-server', 'scale-server'];
const period = 'from=2026-11-01&to=2026-11-30';

/**
 * Every route, a request that passes the access check if the caller may make it, and who may:
 * written out by hand, so a change of the permission table shows up here as a failure.
 */
const TABLE: [route: string, path: string, body: unknown, allowed: readonly Who[]][] = [
  ['GET /healthz', '/healthz', undefined, PUBLIC],
  ['GET /metrics', '/metrics', undefined, PUBLIC],
  ['GET /api/v1/openapi.json', '/api/v1/openapi.json', undefined, PUBLIC],
  // the back office's page and files: the data they show comes through the guarded API
  ['GET /', '/', undefined, PUBLIC],
  ...backofficeFiles()
    .filter((f) => f.path !== '/')
    .map((f): [string, string, unknown, readonly Who[]] => [`GET ${f.path}`, f.path, undefined, PUBLIC]),
  ['POST /api/v1/auth/login', '/api/v1/auth/login', {}, PUBLIC],
  ['POST /api/v1/enroll', '/api/v1/enroll', {}, PUBLIC],
  ['GET /api/v1/auth/me', '/api/v1/auth/me', undefined, [...USERS, ...DEVICES]],
  ['GET /api/v1/users', '/api/v1/users', undefined, ['admin']],
  ['POST /api/v1/users', '/api/v1/users', {}, ['admin']],
  ['PUT /api/v1/users/:id', '/api/v1/users/nobody', {}, ['admin']],
  ['POST /api/v1/enrollment-codes', '/api/v1/enrollment-codes', {}, ['manager', 'admin']],
  ['GET /api/v1/devices/credentials', '/api/v1/devices/credentials', undefined, ['manager', 'admin']],
  ['POST /api/v1/devices/:id/revoke', '/api/v1/devices/nothing/revoke', undefined, ['manager', 'admin']],
  ['POST /api/v1/devices/credentials/rotate', '/api/v1/devices/credentials/rotate', undefined, DEVICES],
  ['GET /api/v1/fiscal/fns', '/api/v1/fiscal/fns', undefined, BACK_OFFICE],
  ['PUT /api/v1/fiscal/fns/:fn', '/api/v1/fiscal/fns/1', {}, ['manager', 'admin']],
  ['GET /api/v1/audit', '/api/v1/audit', undefined, ['admin']],
  ['GET /api/v1/audit/verify', '/api/v1/audit/verify', undefined, ['admin']],
  // chain-wide: a manager of one store may not
  ['GET /api/v1/fiscal/backlog', '/api/v1/fiscal/backlog', undefined, ['analyst', 'admin']],
  ['GET /api/v1/fiscal/documents', '/api/v1/fiscal/documents', undefined, ['analyst', 'admin']],
  [
    'GET /api/v1/fiscal/documents/:fn/:fd',
    '/api/v1/fiscal/documents/1234567890123456/1',
    undefined,
    ['analyst', 'admin'],
  ],
  ['GET /api/v1/catalog/items', '/api/v1/catalog/items?kind=product', undefined, BACK_OFFICE],
  ['POST /api/v1/exchange/catalog', '/api/v1/exchange/catalog', {}, ['admin']],
  ['GET /api/v1/exchange/catalog/:id', '/api/v1/exchange/catalog/none', undefined, ['admin']],
  ['POST /api/v1/sales/batch', '/api/v1/sales/batch', {}, ['till', 'store-server']],
  [
    'GET /api/v1/sales/shift-report',
    '/api/v1/sales/shift-report?store=S1&till=T1&shift=1',
    undefined,
    BACK_OFFICE,
  ],
  ['GET /api/v1/sales/documents', '/api/v1/sales/documents?store=S1', undefined, BACK_OFFICE],
  ['GET /api/v1/sales/review', '/api/v1/sales/review?store=S1', undefined, BACK_OFFICE],
  ['PUT /api/v1/catalog/items', '/api/v1/catalog/items', {}, ['admin']],
  [
    'GET /api/v1/catalog/changes',
    '/api/v1/catalog/changes?store=S1',
    undefined,
    [...BACK_OFFICE, ...DEVICES],
  ],
  ['GET /api/v1/reports/sales', `/api/v1/reports/sales?by=store&${period}`, undefined, BACK_OFFICE],
  ['GET /api/v1/reports/shifts', `/api/v1/reports/shifts?${period}&store=S1`, undefined, BACK_OFFICE],
  ['GET /api/v1/reports/cashiers', `/api/v1/reports/cashiers?${period}`, undefined, BACK_OFFICE],
  ['GET /api/v1/reports/anomalies', `/api/v1/reports/anomalies?${period}`, undefined, BACK_OFFICE],
  ['GET /api/v1/reports/reconciliation', '/api/v1/reports/reconciliation?store=S1', undefined, BACK_OFFICE],
  ['GET /api/v1/exchange/sales', `/api/v1/exchange/sales?${period}&store=S1`, undefined, BACK_OFFICE],
  ['POST /api/v1/devices/heartbeat', '/api/v1/devices/heartbeat', {}, DEVICES],
  ['GET /api/v1/devices', '/api/v1/devices', undefined, BACK_OFFICE],
  ['GET /api/v1/devices/kkt', '/api/v1/devices/kkt?store=S1', undefined, BACK_OFFICE],
  ['GET /api/v1/sales/uplink', '/api/v1/sales/uplink', undefined, BACK_OFFICE],
  ['PUT /api/v1/devices/:id', '/api/v1/devices/scales:S1%2F1', {}, ['manager', 'admin']],
  ['POST /api/v1/devices/:id/commands', '/api/v1/devices/till:S1%2FT1/commands', {}, ['manager', 'admin']],
  // only the device itself answers its commands
  [
    'POST /api/v1/devices/:id/commands/:command/result',
    '/api/v1/devices/till:S1%2FT1/commands/c1/result',
    {},
    ['till'],
  ],
  // last: it ends the sessions it is called with
  ['POST /api/v1/auth/logout', '/api/v1/auth/logout', undefined, USERS],
];

/** Real time, moved on by the test where waiting would only cost time. */
const clock = (() => {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms: number) => (offset += ms) };
})();

for (const dialect of ['sqlite', 'postgres'] as const)
  describe(`access: enrolled devices, users, roles and stores [${dialect}]`, () => {
    let t: TestDatabase;
    let s: RunningServer;
    let admin: Record<string, string>;
    const as = {} as Record<Who, Record<string, string>>;

    beforeAll(async () => {
      t = await createTestDatabase(dialect);
      s = await start(t, { clock });
      admin = await adminHeaders(s.httpUrl);
      as.anonymous = {};
      as.admin = await adminHeaders(s.httpUrl); // its own session: the table ends with a logout
      as.cashier = await userHeaders(s, admin, { login: 'kassir', role: 'cashier', stores: ['S1'] });
      as.senior = await userHeaders(s, admin, { login: 'starshiy', role: 'senior', stores: ['S1'] });
      as.manager = await userHeaders(s, admin, { login: 'upr1', role: 'manager', stores: ['S1'] });
      as.analyst = await userHeaders(s, admin, { login: 'analitik', role: 'analyst', stores: '*' });
      as.till = await deviceHeaders(s.httpUrl, admin, { id: 'till:S1/T1', store: 'S1' });
      as['store-server'] = await deviceHeaders(s.httpUrl, admin, {
        id: 'store-server:S1',
        store: 'S1',
        kind: 'store-server',
      });
      as['scale-server'] = await deviceHeaders(s.httpUrl, admin, {
        id: 'scale-server:S1',
        store: 'S1',
        kind: 'scale-server',
      });
    });
    afterAll(async () => {
      await s.close();
      await t.drop();
    });

    it('each role and device kind can call exactly the routes its permissions allow', async () => {
      // the table names every route the server has, and nothing else
      expect(TABLE.map((r) => r[0]).sort()).toEqual([...s.routes]);
      const wrong: string[] = [];
      for (const [route, path, body, allowed] of TABLE)
        for (const who of WHO) {
          const r = await call(s, route.split(' ')[0]!, path, as[who], body);
          const refused = r.status === 401 || r.status === 403;
          const want = allowed.includes(who);
          if (refused === want || r.status >= 500)
            wrong.push(`${who} ${route}: ${r.status} ${JSON.stringify(r.body).slice(0, 120)}`);
        }
      expect(wrong).toEqual([]);
    });

    it('a device acts only for its own store; unknown and revoked devices are refused; secrets rotate', async () => {
      const admin2 = await adminHeaders(s.httpUrl);
      const till = await deviceHeaders(s.httpUrl, admin2, { id: 'till:S1/T9', store: 'S1' });
      const post = (h: Record<string, string>, docs: SalesDocument[]) =>
        call(s, 'POST', '/api/v1/sales/batch', h, { documents: docs });
      const count = async () =>
        Number(
          (await sql<{ n: number | string }>`select count(*) as n from sales_documents`.execute(db.db))
            .rows[0]!.n,
        );
      const db = openDatabase<ServerSchema>(t.config, serverDbOptions);
      try {
        const before = await count();
        // never enrolled: a made-up token, or none
        const fake = { authorization: `Bearer okd_${Buffer.from('till:S1/T9').toString('base64url')}.guess` };
        expect((await post(fake, [sampleSale({ number: 1 })])).status).toBe(401);
        expect((await post({}, [sampleSale({ number: 1 })])).status).toBe(401);
        // a till of S1 posting a document of S2: refused whole, nothing stored
        const mixed = await post(till, [sampleSale({ number: 2 }), sampleSale({ store: 'S2', number: 3 })]);
        expect(mixed.status).toBe(403);
        expect(JSON.stringify(mixed.body)).toMatch(/of store S1 may not post documents of store S2/);
        expect(await count()).toBe(before);
        expect((await post(till, [sampleSale({ number: 4 })])).status).toBe(200);
        expect(await count()).toBe(before + 1);
        // its heartbeat must be its own
        const hb = { id: 'till:S1/T1', kind: 'till', store: 'S1', version: '1' };
        expect((await call(s, 'POST', '/api/v1/devices/heartbeat', till, hb)).status).toBe(403);
        expect(
          (await call(s, 'POST', '/api/v1/devices/heartbeat', till, { ...hb, id: 'till:S1/T9', store: 'S2' }))
            .status,
        ).toBe(403);
        expect(
          (await call(s, 'POST', '/api/v1/devices/heartbeat', till, { ...hb, id: 'till:S1/T9' })).status,
        ).toBe(200);
        // an enrollment code works once
        const code = (
          await call(s, 'POST', '/api/v1/enrollment-codes', admin2, { store: 'S1', kind: 'till' })
        ).body.code as string;
        expect(
          (await call(s, 'POST', '/api/v1/enroll', {}, { code, deviceId: 'till:S1/T10', name: 'T10' }))
            .status,
        ).toBe(201);
        expect(
          (await call(s, 'POST', '/api/v1/enroll', {}, { code, deviceId: 'till:S1/T11', name: 'T11' }))
            .status,
        ).toBe(403);
        // a manager of S2 may not make codes for S1
        const m2 = await userHeaders(s, admin2, { login: 'upr2', role: 'manager', stores: ['S2'] });
        expect(
          (await call(s, 'POST', '/api/v1/enrollment-codes', m2, { store: 'S1', kind: 'till' })).status,
        ).toBe(403);
        expect(
          (await call(s, 'POST', '/api/v1/enrollment-codes', m2, { store: 'S2', kind: 'till' })).status,
        ).toBe(201);
        // rotation: the old secret works until the new one is used, then never again
        const rotated = await call(s, 'POST', '/api/v1/devices/credentials/rotate', till);
        const fresh = { authorization: `Bearer ${rotated.body.token as string}` };
        expect((await call(s, 'GET', '/api/v1/auth/me', till)).status).toBe(200);
        expect((await call(s, 'GET', '/api/v1/auth/me', fresh)).status).toBe(200);
        clock.advance(10_100); // past the credential cache (10 s by the server's clock)
        expect((await call(s, 'GET', '/api/v1/auth/me', till)).status).toBe(401);
        // revoked: refused at once
        expect((await call(s, 'POST', '/api/v1/devices/till:S1%2FT9/revoke', m2)).status).toBe(403);
        expect((await call(s, 'POST', '/api/v1/devices/till:S1%2FT9/revoke', admin2)).status).toBe(200);
        expect((await post(fresh, [sampleSale({ number: 5 })])).status).toBe(401);
        expect(await count()).toBe(before + 1);
      } finally {
        await db.close();
      }
    }, 30_000);

    it('a user limited to one store sees only that store', async () => {
      const docs = [
        sampleSale({ number: 11, at: '2026-11-05T10:00:00+03:00' }),
        sampleSale({ store: 'S2', number: 12, at: '2026-11-05T10:00:00+03:00' }),
      ];
      for (const d of docs) {
        const dev = await deviceHeaders(s.httpUrl, admin, {
          id: `store-server:${d.store}-x`,
          store: d.store,
          kind: 'store-server',
        });
        expect((await call(s, 'POST', '/api/v1/sales/batch', dev, { documents: [d] })).status).toBe(200);
      }
      const m1 = await userHeaders(s, admin, { login: 'upr-s1', role: 'manager', stores: ['S1'] });
      const byStore = await call(s, 'GET', `/api/v1/reports/sales?by=store&${period}`, m1);
      expect((byStore.body.rows as { key: string }[]).map((r) => r.key)).toEqual(['S1']);
      const all = await call(s, 'GET', `/api/v1/reports/sales?by=store&${period}`, admin);
      expect((all.body.rows as { key: string }[]).map((r) => r.key).sort()).toEqual(['S1', 'S2']);
      for (const path of [
        `/api/v1/reports/sales?by=store&${period}&store=S2`,
        `/api/v1/reports/cashiers?${period}&store=S1,S2`,
        `/api/v1/reports/shifts?${period}&store=S2`,
        `/api/v1/exchange/sales?${period}&store=S2`,
        '/api/v1/sales/documents?store=S2',
        '/api/v1/sales/shift-report?store=S2&till=T1&shift=1',
        '/api/v1/devices/kkt?store=S2',
        '/api/v1/reports/reconciliation?store=S2',
      ])
        expect([path, (await call(s, 'GET', path, m1)).status]).toEqual([path, 403]);
      // the document list is a JSON page (1,000 unless told otherwise); files come from the exports
      const list = await call(s, 'GET', '/api/v1/sales/documents?store=S1', m1);
      expect(list.status).toBe(200);
      expect(new Set((list.body.documents as { store: string }[]).map((d) => d.store))).toEqual(
        new Set(['S1']),
      );
      const csv = await call(s, 'GET', '/api/v1/sales/documents?store=S1&format=csv', m1);
      expect([csv.status, (csv.body.error as { message: string }).message]).toEqual([
        400,
        'format: the document list is JSON only; files of sales come from /api/v1/exchange/sales',
      ]);
    });

    it('locks a user out after failed logins, and every login and change is in the audit log', async () => {
      await userHeaders(s, admin, { login: 'forgetful', role: 'analyst', stores: '*' });
      for (let i = 0; i < 5; i++)
        expect(
          (await call(s, 'POST', '/api/v1/auth/login', {}, { login: 'forgetful', password: 'wrong-one' }))
            .status,
        ).toBe(401);
      const locked = await call(
        s,
        'POST',
        '/api/v1/auth/login',
        {},
        { login: 'forgetful', password: 'pw-forgetful-12345' },
      );
      expect(locked).toMatchObject({ status: 403, body: { error: { code: 'locked' } } });
      // a report taken away as a file is an export too
      expect((await call(s, 'GET', `/api/v1/reports/cashiers?${period}&format=csv`, admin)).status).toBe(200);
      const entries = (await call(s, 'GET', '/api/v1/audit?limit=1000', admin)).body.entries as {
        action: string;
        actor: string;
      }[];
      const actions = new Set(entries.map((e) => e.action));
      for (const a of [
        'auth.login',
        'auth.login-failed',
        'user.locked',
        'user.create',
        'device.enrollment-code',
        'device.enroll',
        'device.rotate',
        'device.revoke',
        'sales.stored',
        'export.report',
      ])
        expect([a, actions.has(a)]).toEqual([a, true]);
      const v = await call(s, 'GET', '/api/v1/audit/verify', admin);
      expect(v.body).toMatchObject({ ok: true, firstBroken: null, problems: [] });
    });
  });

describe('login rate limit', () => {
  it('answers 429 after too many attempts from one address', async () => {
    const t = await createTestDatabase('sqlite');
    const s = await start(t, { auth: { loginsPerMinute: 5 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++)
        statuses.push(
          (await call(s, 'POST', '/api/v1/auth/login', {}, { login: 'x', password: 'y' })).status,
        );
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    } finally {
      await s.close();
      await t.drop();
    }
  });
});

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`immutability and tamper detection [${dialect}]`, () => {
    let t: TestDatabase;
    let s: RunningServer;
    let db: Database<ServerSchema>;
    let admin: Record<string, string>;
    const docs = Array.from({ length: 30 }, (_, i) =>
      sampleSale({ number: i + 1, till: `T${i % 3}`, at: '2026-11-03T12:00:00+03:00' }),
    );

    beforeAll(async () => {
      t = await createTestDatabase(dialect);
      s = await start(t);
      admin = await adminHeaders(s.httpUrl);
      const dev = await deviceHeaders(s.httpUrl, admin, {
        id: 'store-server:S1',
        store: 'S1',
        kind: 'store-server',
      });
      for (let i = 0; i < docs.length; i += 10)
        expect(
          (await call(s, 'POST', '/api/v1/sales/batch', dev, { documents: docs.slice(i, i + 10) })).status,
        ).toBe(200);
      db = openDatabase<ServerSchema>(t.config, serverDbOptions);
    });
    afterAll(async () => {
      await db.close();
      await s.close();
      await t.drop();
    });

    const integrity = async () =>
      (await call(s, 'GET', '/api/v1/reports/reconciliation', admin)).body.integrity as {
        ok: boolean;
        firstBroken: { seq: number } | null;
        problems: { where: string; problem: string }[];
      };

    it('the database itself refuses to change or delete a stored document or an audit entry', async () => {
      const id = docs[0]!.id;
      await expect(sql`update sales_documents set total = 1 where id = ${id}`.execute(db.db)).rejects.toThrow(
        /never changed/,
      );
      await expect(sql`update sales_lines set sum = 1 where doc_id = ${id}`.execute(db.db)).rejects.toThrow(
        /never changed/,
      );
      // PostgreSQL lets live documents go only to the archive; SQLite's triggers cannot see the
      // archive file, so there a deletion is left to the verifier (next test)
      if (dialect === 'postgres')
        await expect(sql`delete from sales_documents where id = ${id}`.execute(db.db)).rejects.toThrow(
          /never changed/,
        );
      await expect(sql`delete from audit_log`.execute(db.db)).rejects.toThrow(/append-only/);
      await expect(sql`update audit_log set actor = 'x'`.execute(db.db)).rejects.toThrow(/append-only/);
      expect((await integrity()).ok).toBe(true);
    });

    it('a document changed behind the triggers is found by the reconciliation report and the verifier', async () => {
      const victim = docs[4]!;
      const dropTrigger =
        dialect === 'sqlite'
          ? 'drop trigger sales_documents_no_update'
          : 'drop trigger sales_documents_no_update on sales_documents';
      await sql.raw(dropTrigger).execute(db.db);
      // the total alone, then the stored form and its hash together (as a careful forger would)
      await sql`update sales_documents set total = total - 10000 where id = ${victim.id}`.execute(db.db);
      let r = await integrity();
      expect(r.ok).toBe(false);
      expect(r.problems).toContainEqual(
        expect.objectContaining({ where: victim.id, problem: expect.stringMatching(/total differ/) }),
      );
      const forged = JSON.stringify({ ...victim, cashier: 'Никто' });
      const { createHash } = await import('node:crypto');
      await sql`update sales_documents set total = ${victim.total}, cashier = 'Никто', payload_json = ${forged},
        payload_hash = ${createHash('sha256').update(forged).digest('hex')} where id = ${victim.id}`.execute(
        db.db,
      );
      r = await integrity();
      expect(r.ok).toBe(false);
      expect(r.problems).toContainEqual(
        expect.objectContaining({
          problem: expect.stringMatching(/documents of audit entry \d+: changed since they were recorded/),
        }),
      );
      const v = (await call(s, 'GET', '/api/v1/audit/verify', admin)).body;
      expect(v).toMatchObject({ ok: false, firstBroken: null });
      // a document taken away
      const gone = docs[7]!;
      if (dialect === 'postgres')
        await sql.raw('drop trigger sales_documents_moved on sales_documents').execute(db.db);
      await sql`delete from sales_documents where id = ${gone.id}`.execute(db.db);
      r = await integrity();
      expect(r.problems).toContainEqual(
        expect.objectContaining({
          problem: expect.stringMatching(/documents of audit entry \d+: 9 found, 10 recorded/),
        }),
      );
    });

    it('an audit entry changed behind the triggers breaks the chain at that entry', async () => {
      const drop =
        dialect === 'sqlite'
          ? 'drop trigger audit_log_no_update'
          : 'drop trigger audit_log_append_only on audit_log';
      await sql.raw(drop).execute(db.db);
      const target = await sql<{
        seq: number;
      }>`select seq from audit_log where action = 'device.enroll'`.execute(db.db);
      const seq = target.rows[0]!.seq;
      await sql`update audit_log set actor = 'device:someone-else' where seq = ${seq}`.execute(db.db);
      const r = await integrity();
      expect(r.firstBroken).toMatchObject({ seq });
    });
  });
}

describe('TLS', () => {
  it('serves the API over HTTPS when given a certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ok-tls-'));
    // a test certificate for 127.0.0.1 (openssl is a test tool here, not a product dependency)
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const t = await createTestDatabase('sqlite');
    const cert = readFileSync(join(dir, 'cert.pem'));
    const s = await start(t, { tls: { cert, key: readFileSync(join(dir, 'key.pem')) } });
    try {
      expect(s.httpUrl).toMatch(/^https:\/\//);
      const got = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        https
          .get(`${s.httpUrl}/api/v1/auth/me`, { ca: cert }, (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          })
          .on('error', reject);
      });
      expect(got.status).toBe(401);
      expect(got.body).toMatch(/not-authenticated/);
      // plain HTTP on the same port is not served
      await expect(fetch(s.httpUrl.replace('https:', 'http:') + '/healthz')).rejects.toThrow();
    } finally {
      await s.close();
      await t.drop();
    }
  });
});
