import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@openkassa/db/testing';
import { concatBytes, frameLength, fromHex, parseMessage, readOperatorAck, toHex } from '@openkassa/fiscal';
import { emulatedReceiptMessage } from '@openkassa/emulation';
import { exchangeOnce } from '@openkassa/ofd-net';
import { startOfdEmulator, type RunningOfdEmulator } from '@openkassa/ofd-emulator';
import { openDatabase, type Database } from '@openkassa/db';
import { startServer, type RunningServer } from '../main.js';
import { serverDbOptions } from '../migrations/index.js';
import type { ServerSchema } from '../schema.js';
import { adminHeaders, startTestServer, TEST_ADMIN_PASSWORD } from '../testing.js';
import { createMetrics } from '../metrics.js';
import { AnswerHub } from './answers.js';
import { Forwarder } from './forwarder.js';
import { RelayWriter } from './relay.writer.js';

const VECTORS = join(import.meta.dirname, '../../../../../shared/vectors/ofd');
const vector = (name: string) => fromHex(readFileSync(join(VECTORS, name), 'utf8'))!;
const quiet = { info: () => undefined, warn: () => undefined };

/** An OFD emulator on free local ports, its storage in a new temporary folder. */
const startTestOfd = (name: string) =>
  startOfdEmulator(
    {
      listen: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 0 },
      dataDir: mkdtempSync(join(tmpdir(), `ok-relay-${name}-ofd-`)),
    },
    quiet,
  );

type Reply = { kind: 'answer'; bytes: Uint8Array } | { kind: 'closed' } | { kind: 'timeout' };

function send(
  port: number,
  chunks: Uint8Array[],
  opts: { timeoutMs?: number; gapMs?: number } = {},
): Promise<Reply> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    let buf: Uint8Array = new Uint8Array(0);
    let done = false;
    const finish = (r: Reply) => {
      if (done) return;
      done = true;
      clearTimeout(t);
      s.destroy();
      resolve(r);
    };
    const t = setTimeout(() => finish({ kind: 'timeout' }), opts.timeoutMs ?? 5000);
    s.on('connect', () => {
      void (async () => {
        for (const c of chunks) {
          if (s.destroyed) return;
          s.write(c);
          if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
        }
      })();
    });
    s.on('data', (c: Buffer) => {
      buf = concatBytes([buf, c]);
      const len = frameLength(buf);
      if (len.ok && len.value !== undefined && buf.length >= len.value)
        finish({ kind: 'answer', bytes: buf.slice(0, len.value) });
    });
    s.on('error', () => finish({ kind: 'closed' }));
    s.on('close', () => finish({ kind: 'closed' }));
  });
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`fiscal relay [${dialect}]`, () => {
    let ofd: RunningOfdEmulator;
    let hq: RunningServer;
    let store: RunningServer;
    const dbs: TestDatabase[] = [];
    const warnings: string[] = [];
    const log = { info: () => undefined, warn: (m: string) => warnings.push(m) };
    let hqAuth: RequestInit;
    let storeAuth: RequestInit;

    beforeAll(async () => {
      ofd = await startTestOfd('chain');
      const hqDb = await createTestDatabase(dialect);
      const storeDb = await createTestDatabase('sqlite');
      dbs.push(hqDb, storeDb);
      const common = {
        http: { host: '127.0.0.1', port: 0 },
        relay: { host: '127.0.0.1', port: 0 },
        retryMinMs: 50,
        retryMaxMs: 200,
        pollMs: 50,
        upstreamTimeoutMs: 2000,
        adminPassword: TEST_ADMIN_PASSWORD,
      };
      hq = await startServer({ ...common, db: hqDb.config, upstream: ofd.tcp, answerWaitMs: 1500 }, quiet);
      store = await startServer(
        {
          ...common,
          db: storeDb.config,
          upstream: hq.relay,
          answerWaitMs: 1000,
          limits: { frameTimeoutMs: 300, idleTimeoutMs: 5000, maxConnections: 1000 },
        },
        log,
      );
      hqAuth = { headers: await adminHeaders(hq.httpUrl) };
      storeAuth = { headers: await adminHeaders(store.httpUrl) };
    });
    afterAll(async () => {
      await store.close();
      await hq.close();
      await ofd.close();
      for (const d of dbs) await d.drop();
    });

    const ofdDocs = async (fn: string) =>
      (
        (await (await fetch(`${ofd.httpUrl}/api/v1/documents?fn=${fn}&raw=1`)).json()) as {
          documents: { fd: number; timesReceived: number; messageHex: string }[];
        }
      ).documents;

    it('relays a real recorded message through two relays byte for byte, and its answer back byte for byte', async () => {
      const msg = vector('yandex-ofd_kkt-to-ofd_msg_doc11_ffd105.hex');
      const reply = await send(store.relay.port, [msg]);
      if (reply.kind !== 'answer') throw new Error(reply.kind);
      const at = (await ofdDocs('9999078900005488')).find((d) => d.fd === 1)!;
      expect(at.messageHex).toBe(toHex(msg));
      // What the OFD answered, as the head office stored it, is what the sender got. A relay
      // passes the answer on while it commits it, so the head office's record may follow a moment later.
      const hqDoc = async () =>
        (
          (await (
            await fetch(`${hq.httpUrl}/api/v1/fiscal/documents?fn=9999078900005488`, hqAuth)
          ).json()) as { documents: { state: string; answerCode: number; parsed: unknown }[] }
        ).documents[0];
      await expect.poll(hqDoc).toMatchObject({ state: 'answered', answerCode: 0 });
      expect((await hqDoc())!.parsed).not.toBeNull();
      const m = parseMessage(reply.bytes);
      expect(m.ok && readOperatorAck(m.value.container!.document!)).toMatchObject({
        code: 0,
        fnNumber: '9999078900005488',
        fdNumber: 1,
      });
      const again = await send(store.relay.port, [msg]);
      expect(again.kind === 'answer' && toHex(again.bytes)).toBe(toHex(reply.bytes));
      expect(at.timesReceived).toBe(1); // the repeat was answered from storage, not sent again
      expect((await ofdDocs('9999078900005488')).find((d) => d.fd === 1)!.timesReceived).toBe(1);
    });

    it('when the answer is late, the sender gets it from storage on its next try, and the OFD sees the document once', async () => {
      await fetch(`${ofd.httpUrl}/api/v1/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        // beyond the ККТ's wait (1 s at the store), well inside both relays' upstream timeouts (2 s):
        // 1,800 ms left a 200 ms margin, and a slow machine's timeout then sent the document twice
        body: JSON.stringify({ mode: 'slow', delayMs: 1300 }),
      });
      const msg = vector('synthetic_kkt-to-ofd_msg_receipt_doc3.hex');
      const first = await send(store.relay.port, [msg], { timeoutMs: 6000 });
      expect(first.kind).toBe('closed'); // no answer within the wait: told to retry
      await fetch(`${ofd.httpUrl}/api/v1/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mode: 'normal' }),
      });
      let second: Reply = { kind: 'closed' };
      for (let i = 0; i < 20 && second.kind !== 'answer'; i++) {
        await new Promise((r) => setTimeout(r, 300));
        second = await send(store.relay.port, [msg]);
      }
      expect(second.kind).toBe('answer');
      expect((await ofdDocs('9999078900001366')).find((d) => d.fd === 35)!.timesReceived).toBe(1);
    });

    it('refuses malformed input with a log line, stores nothing, and keeps serving others', async () => {
      const count = async () =>
        (
          (await (await fetch(`${store.httpUrl}/api/v1/fiscal/backlog?all=1`, storeAuth)).json()) as {
            fns: { documents: number }[];
          }
        ).fns.reduce((a, f) => a + f.documents, 0);
      const before = await count();
      const good = vector('yandex-ofd_kkt-to-ofd_msg_doc11_ffd105.hex');
      const badLength = good.slice();
      badLength[24] = 0x00; // body length 0x0100 but more follows: the container length disagrees
      badLength[25] = 0x01;
      const wrongContainer = good.slice();
      wrongContainer[30] = 0xff; // container length field
      const n0 = warnings.length;
      const results = await Promise.all([
        send(store.relay.port, [new TextEncoder().encode('GET / HTTP/1.1\r\nHost: relay\r\n\r\n')]),
        send(store.relay.port, [badLength]),
        send(store.relay.port, [wrongContainer]),
        send(store.relay.port, [good.slice(0, 100)], { timeoutMs: 2000 }), // truncated: never completes
        send(store.relay.port, [Uint8Array.from({ length: 64 }, (_, i) => (i * 37) % 256)]),
        send(
          store.relay.port,
          Array.from({ length: 40 }, (_, i) => good.subarray(i, i + 1)),
          { gapMs: 50, timeoutMs: 4000 },
        ), // slowloris
        send(store.relay.port, [good]), // a valid client at the same time
      ]);
      expect(results.slice(0, 6).map((r) => r.kind)).toEqual([
        'closed',
        'closed',
        'closed',
        'closed',
        'closed',
        'closed',
      ]);
      expect(results[6].kind).toBe('answer');
      expect(warnings.length - n0).toBeGreaterThanOrEqual(6);
      expect(warnings.slice(n0).join('\n')).toMatch(/signature|length|not complete/);
      expect(await count()).toBe(before);
      const metrics = await (await fetch(`${store.httpUrl}/metrics`)).text();
      expect(metrics).toMatch(/openkassa_relay_refused_total\{reason="bad-signature"\} [1-9]/);
      expect(metrics).toMatch(/openkassa_relay_refused_total\{reason="slow-frame"\} [1-9]/);
    });

    it('refuses what no real ФН sends — a damaged session ФН with the container intact — and stores nothing', async () => {
      const fns = async () =>
        (
          (await (await fetch(`${store.httpUrl}/api/v1/fiscal/backlog?all=1`, storeAuth)).json()) as {
            fns: { fn: string }[];
          }
        ).fns.map((f) => f.fn);
      const before = await fns();
      const good = vector('yandex-ofd_kkt-to-ofd_msg_doc11_ffd105.hex');
      // the three mutants a fuzz run got stored as documents of ФН that do not exist
      const mutants = ['9199078900010501', '9999078900090501', '9999078=00010501'].map((fn) => {
        const b = good.slice();
        for (let i = 0; i < 16; i++) b[8 + i] = fn.charCodeAt(i);
        return b;
      });
      const n0 = warnings.length;
      const results = await Promise.all(mutants.map((m) => send(store.relay.port, [m])));
      expect(results.map((r) => r.kind)).toEqual(['closed', 'closed', 'closed']);
      expect(await fns()).toEqual(before);
      expect(warnings.slice(n0).join('\n')).toMatch(
        /session header ФН 9199078900010501 differs from the container/,
      );
      expect(warnings.slice(n0).join('\n')).toMatch(/session header ФН "9999078=00010501" is not 16 digits/);
      const metrics = await (await fetch(`${store.httpUrl}/metrics`)).text();
      expect(metrics).toMatch(/openkassa_relay_refused_total\{reason="fn-mismatch"\} 2/);
      expect(metrics).toMatch(/openkassa_relay_refused_total\{reason="bad-fn"\} 1/);
    });

    it('shows the backlog per ФН, warns past the configured ages, and counts it in /metrics', async () => {
      const b = (await (await fetch(`${hq.httpUrl}/api/v1/fiscal/backlog?all=1`, hqAuth)).json()) as {
        fns: { fn: string; unconfirmed: number; documents: number; warning: null }[];
      };
      expect(b.fns).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ fn: '9999078900005488', unconfirmed: 0, documents: 1, warning: null }),
        ]),
      );
      const m = await (await fetch(`${hq.httpUrl}/metrics`)).text();
      expect(m).toMatch(/openkassa_fiscal_backlog_documents 0/);
      expect(m).toMatch(/openkassa_fiscal_fn_over_age\{age="24h"\} 0/);
    });

    it('validates API input and serves health and OpenAPI', async () => {
      expect((await fetch(`${hq.httpUrl}/api/v1/fiscal/documents`, hqAuth)).status).toBe(400);
      expect(
        (await fetch(`${hq.httpUrl}/api/v1/fiscal/documents?fn=9999078900005488&limit=0`, hqAuth)).status,
      ).toBe(400);
      expect(
        (await fetch(`${hq.httpUrl}/api/v1/fiscal/documents?fn=9999078900005488&from=x`, hqAuth)).status,
      ).toBe(400);
      const health = (await (await fetch(`${hq.httpUrl}/healthz`)).json()) as {
        status: string;
        workers: { name: string; state: string }[];
      };
      expect(health).toMatchObject({ status: 'ok', database: { ok: true } });
      expect(health.workers.map((w) => `${w.name} ${w.state}`)).toContain('relay-forwarder running');
      const api = (await (await fetch(`${hq.httpUrl}/api/v1/openapi.json`)).json()) as {
        openapi: string;
        paths: Record<string, unknown>;
      };
      expect(api.openapi).toBe('3.1.0');
      expect(Object.keys(api.paths)).toEqual(
        expect.arrayContaining([
          '/api/v1/fiscal/backlog',
          '/api/v1/fiscal/documents',
          '/metrics',
          '/healthz',
        ]),
      );
    });
  });
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`a document stored but not yet in the central database when the relay died [${dialect}]`, () => {
    it('is written there when the relay starts again, once', async () => {
      const t = await createTestDatabase(dialect);
      const msg = vector('synthetic_kkt-to-ofd_msg_receipt_doc3.hex');
      // What a SIGKILL between the two commits leaves: the message stored (and here already
      // answered, so nothing goes upstream), its document still marked unparsed.
      const db = openDatabase<ServerSchema>(t.config, serverDbOptions);
      await db.migrate();
      const at = '2026-11-20T10:00:00.000Z';
      await db.db
        .insertInto('fiscal_messages')
        .values({
          fn: '9999078900001366',
          fd: 35,
          form: 3,
          message: msg,
          first_received_at: at,
          last_seen_at: at,
          times_received: 1,
          state: 'answered',
          attempts: 1,
          next_attempt_at: at,
          claimed_by: null,
          claimed_until: null,
          forwarded_at: at,
          answer: new Uint8Array([1]),
          answer_code: 0,
          answered_at: at,
          last_error: null,
          unparsed: 1,
        })
        .execute();
      await db.close();
      const infos: string[] = [];
      const s = await startTestServer(t.config, {}, { info: (m) => infos.push(m), warn: () => undefined });
      try {
        const admin = { headers: await adminHeaders(s.httpUrl) };
        const doc = async () =>
          (
            (await (
              await fetch(`${s.httpUrl}/api/v1/fiscal/documents?fn=9999078900001366`, admin)
            ).json()) as {
              documents: { fd: number; parsed: { total: number } | null }[];
            }
          ).documents[0];
        await expect.poll(async () => (await doc())?.parsed ?? null).not.toBeNull();
        expect(infos.join('\n')).toMatch(/written into the central database after a restart: 1/);
      } finally {
        await s.close();
      }
      const again = openDatabase<ServerSchema>(t.config, serverDbOptions);
      try {
        const marks = await again.db
          .selectFrom('fiscal_messages')
          .select('unparsed')
          .where('fn', '=', '9999078900001366')
          .execute();
        expect(marks).toEqual([{ unparsed: null }]);
        const parsed = await again.db
          .selectFrom('fiscal_documents')
          .select(['fd', 'received_at'])
          .where('fn', '=', '9999078900001366')
          .execute();
        expect(parsed).toEqual([{ fd: 35, received_at: at }]);
        const items = await again.db
          .selectFrom('fiscal_items')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('fn', '=', '9999078900001366')
          .executeTakeFirstOrThrow();
        // written once: a second pass (the next start) finds nothing to do
        const n = items.n;
        expect(n).toBeGreaterThan(0);
        const s2 = await startTestServer(t.config);
        await s2.close();
        const after = await again.db
          .selectFrom('fiscal_items')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('fn', '=', '9999078900001366')
          .executeTakeFirstOrThrow();
        expect(after.n).toBe(n);
      } finally {
        await again.close();
        await t.drop();
      }
    });
  });
}

describe('a relay after its upstream failed', () => {
  it('counts the documents that failed together as one failed round: the queue pauses briefly, then delivers them all', async () => {
    const ofd = await startTestOfd('glitch');
    const t = await createTestDatabase('sqlite');
    const warnings: string[] = [];
    const s = await startTestServer(
      t.config,
      {
        upstream: ofd.tcp,
        answerWaitMs: 100,
        upstreamTimeoutMs: 300,
        retryMinMs: 200,
        retryMaxMs: 60_000,
        pollMs: 50,
      },
      { info: () => undefined, warn: (m) => warnings.push(m) },
    );
    const fault = (mode: string) =>
      fetch(`${ofd.httpUrl}/api/v1/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mode }),
      });
    try {
      await fault('silent');
      const fns = Array.from({ length: 20 }, (_, i) => `99990789${String(i).padStart(8, '0')}`);
      // twenty documents go upstream at once and time out together
      const replies = await Promise.all(fns.map((fn) => send(s.relay.port, [emulatedReceiptMessage(fn, 1)])));
      expect(replies.map((r) => r.kind)).toEqual(fns.map(() => 'closed'));
      await new Promise((r) => setTimeout(r, 600));
      await fault('normal');
      // one failed round pauses the queue 0.2 s (then 0.4 s, …); counted once per document, the
      // twenty would have paused it for the longest backoff, a minute
      const admin = { headers: await adminHeaders(s.httpUrl) };
      await expect
        .poll(
          async () =>
            (
              (await (await fetch(`${s.httpUrl}/api/v1/fiscal/backlog`, admin)).json()) as {
                fns: { unconfirmed: number }[];
              }
            ).fns.reduce((n, f) => n + f.unconfirmed, 0),
          { timeout: 10_000, interval: 100 },
        )
        .toBe(0);
      // one warning for the failed round, not one per document
      expect(warnings.filter((w) => w.includes('not delivered'))).toHaveLength(1);
    } finally {
      await s.close();
      await t.drop();
      await ofd.close();
    }
  });
});

describe('connections opened early', () => {
  it('never number more than the free slots: the messages of one commit do not open connections that would wait', async () => {
    const up = createServer((c) => c.destroy());
    await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
    const port = (up.address() as { port: number }).port;
    const f = new Forwarder({
      // connectEarly needs none of these
      db: {} as never,
      writer: {} as never,
      hub: {} as never,
      metrics: {} as never,
      log: quiet,
      clock: { now: () => new Date() },
      config: {
        upstream: { host: '127.0.0.1', port },
        node: 'test',
        answerTimeoutMs: 1000,
        concurrency: 2,
        retryMinMs: 100,
        retryMaxMs: 1000,
        pollMs: 100,
      },
    });
    try {
      const a = f.connectEarly();
      const b = f.connectEarly();
      expect(a).toBeDefined();
      expect(b).toBeDefined();
      expect(f.connectEarly()).toBeUndefined();
      a!.close(); // its message turned out to be a repeat: the slot is free again
      const c = f.connectEarly();
      expect(c).toBeDefined();
      expect(f.connectEarly()).toBeUndefined();
      b!.close();
      c!.close();
    } finally {
      up.close();
    }
  });
});

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`a message stored while the forwarder scans [${dialect}]`, () => {
    it('goes upstream once: a scan does not take a message whose store has not yet returned', async () => {
      const ofd = await startTestOfd('scan');
      const t = await createTestDatabase(dialect);
      // A scan every 2 ms lands again and again in the moment between a message's commit and its
      // store returning (on SQLite, while the disk syncs), when the row is there but not yet
      // handed to the forwarder by the connection that stored it.
      const s = await startTestServer(t.config, { upstream: ofd.tcp, pollMs: 2, answerWaitMs: 3000 });
      try {
        const fn = '9999078900007001';
        for (let fd = 1; fd <= 150; fd++) {
          const r = await send(s.relay.port, [emulatedReceiptMessage(fn, fd)]);
          expect(r.kind).toBe('answer');
        }
        const docs = (
          (await (await fetch(`${ofd.httpUrl}/api/v1/documents?fn=${fn}&limit=1000`)).json()) as {
            documents: { fd: number; timesReceived: number }[];
          }
        ).documents;
        expect(docs).toHaveLength(150);
        expect(docs.filter((d) => d.timesReceived !== 1)).toEqual([]);
      } finally {
        await s.close();
        await t.drop();
        await ofd.close();
      }
    });
  });
}

/** A forwarder wired as the server wires it, with its writer, on `db`, to `upstream`. */
function testForwarder(
  db: Database<ServerSchema>,
  upstream: { host: string; port: number },
  node: string,
  clock: { now(): Date },
) {
  const writer = new RelayWriter(db);
  const f = new Forwarder({
    db,
    writer,
    hub: new AnswerHub(),
    metrics: createMetrics(() => Promise.resolve({ documents: 0, fnOver: {}, oldestAgeSeconds: 0 })),
    log: quiet,
    clock,
    config: {
      upstream,
      node,
      answerTimeoutMs: 2000,
      concurrency: 2,
      retryMinMs: 50,
      retryMaxMs: 200,
      pollMs: 10,
    },
  });
  const running = f.run();
  return {
    /** What the relay does with a new message: stores it claimed for this node, hands it over. */
    async relay(fn: string, fd: number, claimedAt: Date) {
      const message = emulatedReceiptMessage(fn, fd);
      const m = parseMessage(message);
      if (!m.ok) throw new Error(m.error.message);
      const claim = f.claimFor(claimedAt);
      const stored = await writer.store(
        { fn, fd, form: m.value.container!.header.dataType, bytes: message },
        claimedAt.toISOString(),
        claim,
      );
      expect(stored.kind).toBe('new');
      f.enqueue({ fn, fd, message, attempts: 0, claimedUntil: claim.until });
    },
    async stop() {
      f.stop();
      await running;
      await writer.flush();
    },
  };
}

/**
 * Forwarders (`node`) on a database of `dialect`, to an OFD emulator answering in 400 ms (so two
 * exchanges fill a node's slots and more wait in its queue); `body` offers four documents of
 * `fn`, and each must reach the OFD once.
 */
async function fourDocumentsOnce(
  dialect: 'sqlite' | 'postgres',
  fn: string,
  body: (node: (name: string, clock: { now(): Date }) => ReturnType<typeof testForwarder>) => Promise<void>,
) {
  const ofd = await startTestOfd(`claims-${fn}`);
  const t = await createTestDatabase(dialect);
  const db = openDatabase<ServerSchema>(t.config, serverDbOptions);
  await db.migrate();
  const nodes: ReturnType<typeof testForwarder>[] = [];
  try {
    await fetch(`${ofd.httpUrl}/api/v1/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'slow', delayMs: 400 }),
    });
    await body((name, clock) => {
      const n = testForwarder(db, ofd.tcp, name, clock);
      nodes.push(n);
      return n;
    });
    const docs = async () =>
      (
        (await (await fetch(`${ofd.httpUrl}/api/v1/documents?fn=${fn}`)).json()) as {
          documents: { fd: number; timesReceived: number }[];
        }
      ).documents;
    await expect.poll(async () => (await docs()).length, { timeout: 10_000, interval: 50 }).toBe(4);
    // once every answer is stored nothing is due; stopping the nodes waits for any exchange still
    // in flight, so a second sending would have reached the OFD by then
    const answered = async () =>
      Number(
        (
          await db.db
            .selectFrom('fiscal_messages')
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .where('fn', '=', fn)
            .where('state', '=', 'answered')
            .executeTakeFirstOrThrow()
        ).n,
      );
    await expect.poll(answered, { timeout: 10_000, interval: 50 }).toBe(4);
    for (const n of nodes) await n.stop();
    expect((await docs()).map((d) => [d.fd, d.timesReceived])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
    ]);
  } finally {
    for (const n of nodes) await n.stop();
    await db.close();
    await t.drop();
    await ofd.close();
  }
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`messages past their forwarding claims [${dialect}]`, () => {
    it('waiting in the queue: they go upstream once, claimed again before they are sent', () =>
      fourDocumentsOnce(dialect, '9999078900007002', async (node) => {
        // the node's clock moves on 20 s while two messages are sent and two wait: every claim lapses
        let skew = 0;
        const a = node('node-a', { now: () => new Date(Date.now() + skew) });
        for (let fd = 1; fd <= 4; fd++) await a.relay('9999078900007002', fd, new Date());
        skew = 20_000;
      }));

    it('a message in flight past its claim (a clock jump, a stalled database) is not taken again by the node’s own scan', () =>
      fourDocumentsOnce(dialect, '9999078900007004', async (node) => {
        let skew = 0;
        const a = node('node-a', { now: () => new Date(Date.now() + skew) });
        await a.relay('9999078900007004', 1, new Date());
        // while it is in flight its claim lapses, and a free slot has the node scan every 10 ms
        skew = 20_000;
        await new Promise((r) => setTimeout(r, 150));
        for (let fd = 2; fd <= 4; fd++) await a.relay('9999078900007004', fd, new Date(Date.now() + skew));
      }));
  });
}

describe('a message that waited in one node’s queue past its claim, with another node on the same PostgreSQL', () => {
  it('goes upstream once: the node claims it again before sending, and leaves it to the other node if that one took it', () =>
    fourDocumentsOnce('postgres', '9999078900007003', async (node) => {
      const clock = { now: () => new Date() };
      const a = node('node-a', clock);
      // two take node A's slots; two wait in its queue, their claims taken 20 s ago and lapsed
      await a.relay('9999078900007003', 1, new Date());
      await a.relay('9999078900007003', 2, new Date());
      await a.relay('9999078900007003', 3, new Date(Date.now() - 20_000));
      await a.relay('9999078900007003', 4, new Date(Date.now() - 20_000));
      // node B's scans find those two unclaimed
      node('node-b', clock);
    }));
});

describe('backlog warnings', () => {
  it('warns in the log and in /metrics when the oldest unconfirmed document passes a warning age', async () => {
    const t = await createTestDatabase('sqlite');
    const warnings: string[] = [];
    // The upstream is a closed port: nothing is ever confirmed.
    const s = await startTestServer(
      t.config,
      {
        upstream: { host: '127.0.0.1', port: 1 },
        answerWaitMs: 100,
        retryMinMs: 50,
        retryMaxMs: 100,
        warnAges: [{ label: '1s', seconds: 1 }],
      },
      { info: () => undefined, warn: (m) => warnings.push(m) },
    );
    try {
      expect((await send(s.relay.port, [vector('synthetic_kkt-to-ofd_msg_receipt_doc3.hex')])).kind).toBe(
        'closed',
      );
      const admin = { headers: await adminHeaders(s.httpUrl) };
      const backlog = async () =>
        (
          (await (await fetch(`${s.httpUrl}/api/v1/fiscal/backlog`, admin)).json()) as {
            fns: { fn: string; unconfirmed: number; warning: string | null }[];
          }
        ).fns;
      await expect
        .poll(backlog, { timeout: 10_000, interval: 100 })
        .toEqual([expect.objectContaining({ fn: '9999078900001366', unconfirmed: 1, warning: '1s' })]);
      // the log line comes from the warning loop, which may run after the backlog query first sees it
      await expect
        .poll(() => warnings.join('\n'), { timeout: 10_000, interval: 100 })
        .toMatch(/ФН 9999078900001366: 1 document\(s\) unconfirmed.*over 1s/);
      expect(await (await fetch(`${s.httpUrl}/metrics`)).text()).toMatch(
        /openkassa_fiscal_fn_over_age\{age="1s"\} 1/,
      );
    } finally {
      await s.close();
      await t.drop();
    }
  });
});

describe('a relay that takes only registered ФН', () => {
  it('refuses an unknown ФН with a log line and stores nothing; once registered to a store, relays it', async () => {
    const t = await createTestDatabase('sqlite');
    const warnings: string[] = [];
    const s = await startTestServer(
      t.config,
      { upstream: { host: '127.0.0.1', port: 1 }, answerWaitMs: 100, knownFnOnly: true },
      { info: () => undefined, warn: (m) => warnings.push(m) },
    );
    try {
      const admin = { headers: await adminHeaders(s.httpUrl) };
      const msg = vector('synthetic_kkt-to-ofd_msg_receipt_doc3.hex');
      const stored = async () =>
        (
          (await (await fetch(`${s.httpUrl}/api/v1/fiscal/documents?fn=9999078900001366`, admin)).json()) as {
            documents: unknown[];
          }
        ).documents.length;
      expect((await send(s.relay.port, [msg])).kind).toBe('closed');
      expect(warnings.join('\n')).toMatch(/ФН 9999078900001366 is not registered to a store; nothing stored/);
      expect(await stored()).toBe(0);
      const reg = await fetch(`${s.httpUrl}/api/v1/fiscal/fns/9999078900001366`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...admin.headers },
        body: JSON.stringify({ store: 'S1' }),
      });
      expect(reg.status).toBe(200);
      await send(s.relay.port, [msg]); // stored, then no answer from the closed upstream in time
      expect(await stored()).toBe(1);
    } finally {
      await s.close();
      await t.drop();
    }
  });
});

describe('an upstream that answers for another document', () => {
  it('is never taken for this document’s answer: nothing is stored or returned, and the message goes upstream again', async () => {
    const ofd = await startTestOfd('wrong-answer');
    // the upstream answers every message with the OFD's genuine answer to the next ФД of that ФН
    let wrong = true;
    const seen: number[] = [];
    const upstream = createServer((socket) => {
      let buf: Uint8Array = new Uint8Array(0);
      socket.on('data', (c: Buffer) => {
        buf = concatBytes([buf, c]);
        const len = frameLength(buf);
        if (!len.ok || len.value === undefined || buf.length < len.value) return;
        const m = parseMessage(buf.slice(0, len.value));
        if (!m.ok || !m.value.container) return socket.destroy();
        const { fnNumber, fdNumber } = m.value.container.header;
        seen.push(fdNumber);
        const ask = wrong ? emulatedReceiptMessage(fnNumber, fdNumber + 1) : buf.slice(0, len.value);
        void exchangeOnce(ofd.tcp, ask, 2000).then(
          (a) => socket.end(a),
          () => socket.destroy(),
        );
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    const address = upstream.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const t = await createTestDatabase('sqlite');
    const warnings: string[] = [];
    const server = await startServer(
      {
        db: t.config,
        http: { host: '127.0.0.1', port: 0 },
        relay: { host: '127.0.0.1', port: 0 },
        upstream: { host: '127.0.0.1', port },
        answerWaitMs: 800,
        retryMinMs: 50,
        retryMaxMs: 100,
        pollMs: 50,
        adminPassword: TEST_ADMIN_PASSWORD,
      },
      { info: () => undefined, warn: (m) => warnings.push(m) },
    );
    try {
      const fn = '9999078900770001';
      const msg = emulatedReceiptMessage(fn, 5);
      expect((await send(server.relay.port, [msg], { timeoutMs: 3000 })).kind).toBe('closed');
      await expect.poll(() => seen.filter((fd) => fd === 5).length).toBeGreaterThanOrEqual(2);
      expect(warnings.join('\n')).toMatch(
        /answer is for ФН 9999078900770001 ФД 6, not ФН 9999078900770001 ФД 5/,
      );
      const db = openDatabase<ServerSchema>(t.config, serverDbOptions);
      const row = await db.db
        .selectFrom('fiscal_messages')
        .select(['state', 'answer'])
        .where('fn', '=', fn)
        .where('fd', '=', 5)
        .executeTakeFirstOrThrow();
      await db.close();
      expect(row.state).not.toBe('answered');
      expect(row.answer).toBeNull();
      // once the upstream answers for the document itself, the ККТ gets that answer
      wrong = false;
      await expect
        .poll(
          async () => {
            const r = await send(server.relay.port, [msg], { timeoutMs: 3000 });
            if (r.kind !== 'answer') return 'no answer';
            const a = parseMessage(r.bytes);
            return a.ok
              ? `${a.value.container?.header.fnNumber} ${a.value.container?.header.fdNumber}`
              : 'bad';
          },
          { timeout: 10_000 },
        )
        .toBe(`${fn} 5`);
    } finally {
      await server.close();
      await t.drop();
      upstream.close();
      await ofd.close();
    }
  });
});
