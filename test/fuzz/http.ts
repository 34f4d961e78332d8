/**
 * Hostile HTTP input for a cash server: junk in the path, the query, the body and the headers of
 * every route, with every kind of credential, while valid traffic (a store server posting sales, a
 * manager reading reports) and garbage on the relay port go on. Each request's outcome is checked:
 * no 5xx, every refusal a 4xx with a reason, nothing stored or changed but the valid traffic.
 * Used by the hostile-input test (both engines) and `npm run fuzz -- --surface http`.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { sql } from 'kysely';
import { sampleSale } from '@openkassa/contracts';
import type { Database } from '@openkassa/db';
import { emulatedReceiptMessage } from '@openkassa/emulation';
import { fromHex } from '@openkassa/fiscal';
import type { RunningServer, ServerSchema } from '@openkassa/server';
import { adminHeaders, deviceHeaders } from '@openkassa/server/testing';

const VECTORS = join(import.meta.dirname, '../../../shared/vectors/ofd');
const vector = (name: string) => fromHex(readFileSync(join(VECTORS, name), 'utf8'))!;

/** What must not change under hostile input (the audit log and sessions may: failed logins are recorded). */
const GUARDED = [
  'sales_documents',
  'sales_lines',
  'sales_rollup_docs',
  'catalog_items',
  'users',
  'device_credentials',
  'enrollment_codes',
  'known_fns',
  'devices',
  'device_commands',
  'fiscal_messages',
  'fiscal_documents',
] as const;

export async function snapshot(db: Database<ServerSchema>): Promise<Record<string, number | string>> {
  const out: Record<string, number | string> = {};
  for (const t of GUARDED)
    out[t] = Number(
      (await sql<{ n: number | string }>`select count(*) as n from ${sql.table(t)}`.execute(db.db)).rows[0]!
        .n,
    );
  const users = await sql<{
    s: string;
  }>`select login || failed_logins || coalesce(locked_until, '') || updated_at as s
    from users order by login`.execute(db.db);
  // the users' rows themselves: a changed value is a change, whatever its length
  out.usersState = users.rows.map((r) => r.s).join('|');
  return out;
}

const SQLISH = [
  "' OR '1'='1",
  "'; drop table sales_documents; --",
  '" or ""="',
  '%27%20OR%201=1--',
  '1; select pg_sleep(5)',
  '\\x00',
  '../../etc/passwd',
  '%00',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
];

/** Values of the wrong type or shape for any field. */
const junkValue = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, -1e308, 2 ** 53 + 1, '', 'NaN', '-0', [], {}),
  fc.constantFrom(...SQLISH),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 4 }),
);

/** A body no route accepts: wrong types, wrong shapes, junk fields. */
export const junkBody = fc.oneof(
  junkValue.map((v) => JSON.stringify(v)),
  fc
    .dictionary(
      fc.constantFrom(
        'documents',
        'items',
        'login',
        'password',
        'code',
        'deviceId',
        'store',
        'kind',
        'id',
        'payload',
        'ok',
        'role',
        'stores',
        'status',
        'name',
        '__proto__',
        'constructor',
      ),
      junkValue,
      { maxKeys: 5 },
    )
    // at least one field of the wrong type, never a valid login or enrollment
    .map((o) => JSON.stringify({ ...o, documents: o.documents ?? 'x', login: 7, code: 5 })),
  fc.constant('{"documents": [{"id": 1}], "items": [{"kind": "product", "data": {"id": ['),
  fc.constant('{"a":1,}'),
);

export const junkParam = fc.oneof(
  fc.constantFrom(...SQLISH),
  fc.string({ maxLength: 30 }),
  fc.constant('x'.repeat(5000)),
);

export interface Req {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

export interface HttpFuzzReport {
  readonly requests: number;
  readonly seconds: number;
  readonly statuses: Map<number, number>;
  /** Requests answered 5xx. */
  readonly fivexx: string[];
  /** 4xx answers that do not say why. */
  readonly noReason: string[];
  /** Valid requests alongside that failed. */
  readonly validErrors: string[];
  readonly validIds: number;
  /** Guarded tables (and the users' rows) before and after, less the valid documents. */
  readonly before: Record<string, number | string>;
  readonly after: Record<string, number | string>;
  /** Documents of the relay's good message stored after all that (1 expected). */
  readonly relayStored: number;
  readonly relayJunk: number;
}

/** Runs the scenario against `s` (its database opened as `db` too), `perRoute` junk requests per route. */
export async function fuzzHttp(
  s: RunningServer,
  db: Database<ServerSchema>,
  o: { perRoute: number; seed: number; goodFn: string },
): Promise<HttpFuzzReport> {
  const t0 = performance.now();
  const admin = await adminHeaders(s.httpUrl);
  const madeManager = await fetch(`${s.httpUrl}/api/v1/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...admin },
    body: JSON.stringify({
      login: 'm1',
      name: 'М',
      role: 'manager',
      stores: ['S1'],
      password: 'manager-pass-1',
    }),
  });
  if (madeManager.status !== 201 && madeManager.status !== 409)
    throw new Error(`manager: ${madeManager.status} ${await madeManager.text()}`);
  const login = await fetch(`${s.httpUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'm1', password: 'manager-pass-1' }),
  });
  const manager = { authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
  const device = await deviceHeaders(s.httpUrl, admin, {
    id: `store-server:S1`,
    store: 'S1',
    kind: 'store-server',
  });
  const before = await snapshot(db);
  // every route, each with junk in its path, its query, its body, its headers
  const routes = s.routes.filter((r) => r !== 'POST /api/v1/auth/logout'); // it would end the sessions used here
  const requests: Req[] = [];
  const auths = [
    {},
    admin,
    manager,
    device,
    { authorization: 'Bearer okd_AAAA.BBBB' },
    { authorization: 'Basic x' },
  ];
  const sample = <T>(a: fc.Arbitrary<T>, n: number, seed: number) => fc.sample(a, { numRuns: n, seed });
  for (const [ri, route] of routes.entries()) {
    const [method, pattern] = route.split(' ') as [string, string];
    const bodies = sample(junkBody, o.perRoute, o.seed * 7919 + ri);
    const params = sample(junkParam, o.perRoute, o.seed * 7919 + 1000 + ri);
    for (let i = 0; i < o.perRoute; i++) {
      // the long ones in one place only: a URL over the server's header limit never reaches a route
      const p = encodeURIComponent(params[i]!.slice(0, 200));
      const path =
        pattern.replace(/:[a-z]+/g, p) +
        `?store=${encodeURIComponent(params[i]!)}&from=${p}&to=2026-13-45&by=${p}&fn=${p}&limit=${p}&since=-1&wait=${p}&after=${p}&format=${p}&shift=${p}&till=${p}&before=${p}&action=${p}`;
      const headers: Record<string, string> = { ...auths[i % auths.length] };
      if (method === 'GET') requests.push({ method, path, headers });
      else
        requests.push({
          method,
          path: pattern.replace(/:[a-z]+/g, p),
          headers: { ...headers, 'content-type': 'application/json' },
          body: bodies[i]!,
        });
    }
    if (method !== 'GET') {
      const h = { ...admin, 'content-type': 'application/json' };
      const to = pattern.replace(/:[a-z]+/g, 'x');
      requests.push(
        { method, path: to, headers: h, body: `{"a":"${'x'.repeat(17 * 1024 * 1024)}"}` }, // over every limit
        { method, path: to, headers: h, body: '['.repeat(100_000) + ']'.repeat(100_000) }, // deep
        { method, path: to, headers: h, body: `{"a":${'{"a":'.repeat(70)}1${'}'.repeat(70)}}` },
        {
          method,
          path: to,
          headers: h,
          body: new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
        }, // not UTF-8
        { method, path: to, headers: { ...admin, 'content-type': 'text/plain' }, body: 'hello' },
        { method, path: to, headers: { ...admin, 'content-type': 'application/xml' }, body: '<a/>' },
        { method, path: to, headers: h, body: '{"__proto__": {"admin": true}}' },
        { method, path: to, headers: h, body: '' },
      );
    }
  }

  // valid traffic all along: a store server posting its sales, a manager reading reports
  let stop = false;
  const validIds: string[] = [];
  const validErrors: string[] = [];
  const valid = (async () => {
    for (let n = 1; !stop; n++) {
      const doc = sampleSale({ number: n, at: '2026-11-20T10:00:00+03:00' });
      const r = await fetch(`${s.httpUrl}/api/v1/sales/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...device },
        body: JSON.stringify({ documents: [doc] }),
      });
      if (r.status === 200) validIds.push(doc.id);
      else validErrors.push(`batch ${r.status}`);
      const rep = await fetch(`${s.httpUrl}/api/v1/reports/sales?by=store&from=2026-11-20&to=2026-11-20`, {
        headers: manager,
      });
      if (rep.status !== 200) validErrors.push(`report ${rep.status}`);
    }
  })();

  // and garbage on the relay port meanwhile
  const real = vector('synthetic_kkt-to-ofd_msg_receipt_doc3.hex');
  const relayJunk = [
    ...sample(fc.uint8Array({ minLength: 1, maxLength: 400 }), 150, 7),
    real.slice(0, 40), // truncated
    Uint8Array.from([...real.slice(0, 20), 0xff, 0xff, ...real.slice(22)]), // wrong length field
    Uint8Array.from(real.map((b, i) => (i > 40 && i < 60 ? b ^ 0x5a : b))), // corrupted body
    new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n' OR 1=1 --"),
  ];
  const relay = Promise.all(
    relayJunk.map(
      (bytes, i) =>
        new Promise<void>((resolve) => {
          const c = connect({ host: '127.0.0.1', port: s.relay.port });
          c.on('connect', () => {
            // every third one dribbles its bytes (slowloris)
            if (i % 3 === 0) c.write(bytes.slice(0, 1));
            else c.write(bytes);
          });
          c.on('error', () => resolve());
          c.on('close', () => resolve());
          c.on('data', () => undefined);
          setTimeout(() => {
            c.destroy();
            resolve();
          }, 3000);
        }),
    ),
  );

  const statuses = new Map<number, number>();
  const fivexx: string[] = [];
  const noReason: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 12 }, async () => {
      while (next < requests.length) {
        const q = requests[next++]!;
        let status: number;
        let text = '';
        let answered = true;
        try {
          const r = await fetch(`${s.httpUrl}${q.path}`, {
            method: q.method,
            headers: q.headers,
            ...(q.body !== undefined && {
              body: typeof q.body === 'string' ? q.body : Buffer.from(q.body),
            }),
          });
          status = r.status;
          text = await r.text();
        } catch (e) {
          // the server may close a connection on a body over the limit before reading it
          if (typeof q.body === 'string' && q.body.length > 16 * 1024 * 1024) {
            status = 413;
            answered = false;
          } else throw e;
        }
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        // no 5xx of any kind: the database is here all along, so not even a 503
        if (status >= 500)
          fivexx.push(`${q.method} ${q.path.slice(0, 120)} → ${status} ${text.slice(0, 200)}`);
        // every refusal says why (an empty body too is a refusal without a reason)
        if (status >= 400 && status < 500 && answered && !/"message":"[^"]+/.test(text))
          noReason.push(`${q.method} ${q.path.slice(0, 80)} → ${status} ${text.slice(0, 100)}`);
      }
    }),
  );
  await relay;
  stop = true;
  await valid;

  const after = await snapshot(db);
  // the server still relays a good message after all that: stored under its ФН, once
  const good = emulatedReceiptMessage(o.goodFn, 1);
  await new Promise<void>((resolve) => {
    const c = connect({ host: '127.0.0.1', port: s.relay.port }, () => c.write(good));
    c.on('data', () => undefined);
    c.on('error', () => resolve());
    c.on('close', () => resolve());
  });
  const backlog = (await (
    await fetch(`${s.httpUrl}/api/v1/fiscal/backlog?all=1`, { headers: admin })
  ).json()) as { fns: { fn: string; documents: number }[] };
  return {
    requests: requests.length,
    seconds: (performance.now() - t0) / 1000,
    statuses,
    fivexx,
    noReason,
    validErrors,
    validIds: validIds.length,
    before,
    after: {
      ...after,
      sales_documents: Number(after.sales_documents) - validIds.length,
      sales_lines: Number(after.sales_lines) - 3 * validIds.length,
      sales_rollup_docs: before.sales_rollup_docs!,
    },
    relayStored: backlog.fns.filter((f) => f.fn === o.goodFn).reduce((a, f) => a + f.documents, 0),
    relayJunk: relayJunk.length,
  };
}
