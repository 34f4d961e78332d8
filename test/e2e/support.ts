/** Real processes for end-to-end tests: the `openkassa` command, started and killed like in production. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@openkassa/db/testing';
import { ean13 } from '@openkassa/till';

const BIN = join(import.meta.dirname, '../../apps/cli/bin/openkassa.js');

export interface Role {
  readonly proc: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const started = new Set<Role>();

/** Starts `openkassa <args>` and resolves once its stdout matches `ready`. */
export async function startRole(
  args: string[],
  ready: RegExp,
  timeoutMs = 20_000,
  env: Record<string, string> = {},
): Promise<{ role: Role; match: RegExpMatchArray }> {
  const proc = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const role: Role = {
    proc,
    output: () => out,
    exited,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
      started.delete(role);
    },
  };
  started.add(role);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = ready.exec(out);
    if (m) return { role, match: m };
    if (proc.exitCode !== null) throw new Error(`openkassa ${args[0]} exited early:\n${out}`);
    if (Date.now() > deadline) throw new Error(`openkassa ${args[0]} did not start:\n${out}`);
    await sleep(50);
  }
}

export async function stopAll(): Promise<void> {
  await Promise.all([...started].map((r) => r.stop('SIGKILL')));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ok-e2e-${prefix}-`));
}

export async function startOfd(dir: string) {
  const { role, match } = await startRole(
    ['ofd-emulator', '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', '--data', dir],
    /tcp:\/\/127\.0\.0\.1:(\d+), API at (http:\/\/127\.0\.0\.1:\d+)/,
  );
  return { role, port: Number(match[1]), api: match[2]! };
}

export async function startKkt(fn: string, ofdPort: number, dir: string, extra: string[] = []) {
  const { role, match } = await startRole(
    [
      'kkt-emulator',
      '--fn',
      fn,
      '--ofd',
      `127.0.0.1:${ofdPort}`,
      '--http',
      '127.0.0.1:0',
      '--data',
      dir,
      '--ofd-retry-max',
      '200',
      ...extra,
    ],
    /ATOL JSON tasks at (http:\/\/127\.0\.0\.1:\d+)\/api\/v2\/requests/,
  );
  return { role, url: match[1]! };
}

export interface TaskResult {
  status: string;
  errorCode: number;
  errorDescription: string;
  result: { fiscalParams?: { fiscalDocumentNumber: number } } | null;
}

export async function postTasks(url: string, uuid: string, tasks: unknown[]): Promise<number> {
  const r = await fetch(`${url}/api/v2/requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ uuid, request: tasks }),
  });
  return r.status;
}

export async function waitResults(url: string, uuid: string, timeoutMs = 60_000): Promise<TaskResult[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await fetch(`${url}/api/v2/requests/${uuid}`);
    if (r.status === 200) {
      const body = (await r.json()) as { results: TaskResult[] };
      if (body.results.every((x) => x.status !== 'wait' && x.status !== 'inProgress')) return body.results;
    }
    if (Date.now() > deadline) throw new Error(`request ${uuid} did not finish`);
    await sleep(20);
  }
}

export function sellTask(i: number) {
  const price = 10 + (i % 90);
  return {
    type: 'sell',
    operator: { name: 'Кассир' },
    items: [
      { type: 'position', name: `Товар ${i}`, price, quantity: 1, amount: price, tax: { type: 'vat22' } },
      { type: 'position', name: 'Пакет', price: 5, quantity: 2, amount: 10, tax: { type: 'vat10' } },
    ],
    payments: [{ type: i % 2 === 0 ? 'cash' : 'electronically', sum: price + 10 }],
  };
}

export interface FnStatus {
  lastFd: number;
  unconfirmed: number;
}

export async function fnStatus(url: string): Promise<FnStatus> {
  return (await (await fetch(`${url}/api/v1/fn`)).json()) as FnStatus;
}

export async function waitDrained(url: string, timeoutMs = 60_000): Promise<FnStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await fnStatus(url);
    if (s.unconfirmed === 0) return s;
    if (Date.now() > deadline) throw new Error(`backlog did not drain: ${JSON.stringify(s)}`);
    await sleep(100);
  }
}

export interface OfdDocument {
  fn: string;
  fd: number;
  form: number;
  flkOk: boolean;
  timesReceived: number;
}

export async function ofdDocuments(api: string, fn: string): Promise<OfdDocument[]> {
  return (
    (await (await fetch(`${api}/api/v1/documents?fn=${fn}&limit=100000`)).json()) as {
      documents: OfdDocument[];
    }
  ).documents;
}

export async function setFaults(api: string, body: unknown): Promise<void> {
  const r = await fetch(`${api}/api/v1/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (r.status !== 200) throw new Error(`faults: ${r.status}`);
}

/**
 * The OFD holds each of 1..last: nothing missing, nothing beyond. It keys documents by (ФН, ФД), so
 * this list cannot show a document stored twice; whether one was *sent* more than once is each
 * document's `timesReceived`, which `maxTimesReceived` bounds where a test expects no re-send (a
 * relay re-sends, by design, a document whose answer it had not stored when it was killed).
 */
export function expectComplete(
  docs: readonly OfdDocument[],
  last: number,
  maxTimesReceived = Infinity,
): void {
  const resent = docs.filter((d) => d.timesReceived > maxTimesReceived);
  if (resent.length > 0)
    throw new Error(
      `OFD received ${resent.length} document(s) more than ${maxTimesReceived} time(s): ФД ${resent
        .slice(0, 10)
        .map((d) => `${d.fd}×${d.timesReceived}`)
        .join(', ')}`,
    );
  const fds = docs.map((d) => d.fd);
  const want = Array.from({ length: last }, (_, i) => i + 1);
  if (JSON.stringify(fds) !== JSON.stringify(want)) {
    const missing = want.filter((f) => !fds.includes(f));
    throw new Error(
      `OFD holds ${fds.length} documents for 1..${last}; missing ${missing.slice(0, 10).join(',')}`,
    );
  }
}

/** A port that was free a moment ago, for roles that must come back on the same port after a kill. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = a && typeof a === 'object' ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** The administrator `admin` of every server the tests start. */
export const E2E_ADMIN_PASSWORD = 'e2e-admin-password';

/** A cash server, and its administrator's headers (`auth`) for its API. */
export async function startServerRole(args: string[]) {
  const { role, match } = await startRole(
    ['server', ...args],
    /relay on tcp:\/\/127\.0\.0\.1:(\d+).*API at (http:\/\/127\.0\.0\.1:\d+)/,
    20_000,
    { OPENKASSA_ADMIN_PASSWORD: E2E_ADMIN_PASSWORD },
  );
  const api = match[2]!;
  return { role, relayPort: Number(match[1]), api, auth: await adminHeaders(api) };
}

export async function adminHeaders(api: string): Promise<Record<string, string>> {
  const r = await fetch(`${api}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'admin', password: E2E_ADMIN_PASSWORD }),
  });
  if (r.status !== 200) throw new Error(`admin login at ${api}: ${r.status} ${await r.text()}`);
  return { authorization: `Bearer ${((await r.json()) as { token: string }).token}` };
}

/** A one-time enrollment code of this server for a device of `store`. */
export async function enrollCode(
  server: { api: string; auth: Record<string, string> },
  store: string,
  kind: 'till' | 'store-server' = 'till',
): Promise<string> {
  const r = await fetch(`${server.api}/api/v1/enrollment-codes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...server.auth },
    body: JSON.stringify({ store, kind }),
  });
  if (r.status !== 201) throw new Error(`enrollment code: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { code: string }).code;
}

/**
 * A cash server on free local ports; `storage`: a tag for a new SQLite folder, or the storage
 * flags (`pgDbArgs()`); `extra`: its upstreams and the rest.
 */
export function startLocalServer(storage: string | readonly string[], extra: readonly string[]) {
  return startServerRole([
    ...(typeof storage === 'string' ? ['--data', tempDir(storage)] : storage),
    '--relay',
    '127.0.0.1:0',
    '--http',
    '127.0.0.1:0',
    ...extra,
  ]);
}

export async function startTillRole(args: string[]) {
  const { role, match } = await startRole(['till', ...args], /sale screen at (http:\/\/127\.0\.0\.1:\d+)\//);
  return { role, url: match[1]! };
}

/**
 * A till of store S1 with an emulated ККТ of its own that relays through `server`, enrolled at
 * that server; `extra`: the till's other flags. Its arguments come back for a restart.
 */
export async function startTillWithKkt(
  server: { api: string; auth: Record<string, string>; relayPort: number },
  o: { fn: string; tag: string; extra?: readonly string[] },
) {
  const kkt = await startKkt(o.fn, server.relayPort, tempDir(`${o.tag}-kkt`));
  const args = [
    '--kkt',
    kkt.url,
    '--server',
    server.api,
    '--enroll',
    await enrollCode(server, 'S1'),
    '--data',
    tempDir(`${o.tag}-till`),
    '--http',
    '127.0.0.1:0',
    ...(o.extra ?? []),
  ];
  const { role, url } = await startTillRole(args);
  return { kkt, role, url, args };
}

/** A till API session (what the sale screen does), for tests that sell without a browser. */
export async function tillSession(url: string, pin: string) {
  const login = await fetch(`${url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pin }),
  });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${await login.text()}`);
  const { token } = (await login.json()) as { token: string };
  const call = async (
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const r = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  return { call };
}

export interface TillStatus {
  shift: { number: number; open: boolean };
  queue: number;
  rejected: number;
  kktPending: number;
  link: { online: boolean };
}

export async function tillStatus(url: string): Promise<TillStatus> {
  return (await (await fetch(`${url}/api/status`)).json()) as TillStatus;
}

/** Waits until the till has uploaded everything (its queue is empty). */
export async function waitUploaded(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await tillStatus(url).catch(() => undefined);
    if (s && s.queue === 0 && s.kktPending === 0) return;
    if (Date.now() > deadline) throw new Error(`till did not upload: ${JSON.stringify(s)}`);
    await sleep(200);
  }
}

const testDatabases: TestDatabase[] = [];

/** `--db` for a fresh PostgreSQL schema; drop them all with dropTestDatabases after the file. */
export async function pgDbArgs(): Promise<string[]> {
  const t = await createTestDatabase('postgres');
  testDatabases.push(t);
  if (t.config.kind !== 'postgres') throw new Error('unreachable');
  return ['--db', `${t.config.url}?schema=${t.config.schema}`];
}

export async function dropTestDatabases(): Promise<void> {
  for (const d of testDatabases.splice(0)) await d.drop();
}

/** Goods of the till's demo catalogue (two piece goods, a weighed cheese label, one more). */
export const CODES = [
  ean13('460000000001'),
  ean13('460000000002'),
  ean13('210010101234'),
  ean13('460000000003'),
];

/** A till that sells through its API (as the sale screen does) until stopped; survives till restarts. */
export function seller(url: () => string) {
  let stopped = false;
  let sold = 0;
  const done = (async () => {
    let s: Awaited<ReturnType<typeof tillSession>> | undefined;
    for (let i = 0; !stopped; i++) {
      try {
        s ??= await tillSession(url(), '2222');
        const r = await s.call('POST', '/api/sale', {
          lines: [
            { barcode: CODES[i % 4]! },
            { barcode: CODES[(i + 1) % 4]!, quantity: i % 4 === 1 ? undefined : '2' },
          ],
          card: i % 3 === 0 ? 5000 : 0,
          cashTendered: 1_000_000,
        });
        if (r.status === 401) s = undefined;
        else if (r.status === 200) sold++;
        else if (
          r.body.error &&
          !['kkt-unreachable', 'previous-done'].includes((r.body.error as { code: string }).code)
        )
          throw new Error(`sale refused: ${JSON.stringify(r.body)}`);
      } catch (e) {
        if (e instanceof Error && e.message.startsWith('sale refused')) throw e;
        s = undefined; // the till is down or restarting
        await sleep(200);
      }
      await sleep(60);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
      return sold;
    },
  };
}

/** Waits until `check` holds (an error counts as not yet). */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}
