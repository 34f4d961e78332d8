import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emulatedReceiptMessage } from '@openkassa/emulation';
import { concatBytes, frameLength, parseMessage } from '@openkassa/fiscal';
import { exchangeOnce } from '@openkassa/ofd-net';
import { startOfdEmulator, type RunningOfdEmulator } from '@openkassa/ofd-emulator';
import { startKktEmulator, type RunningKktEmulator } from '../main.js';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
});
const quiet = { info: () => undefined, warn: () => undefined };

const ofd = async (name: string, emulatorKey?: string): Promise<RunningOfdEmulator> => {
  const o = await startOfdEmulator(
    {
      listen: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 0 },
      dataDir: mkdtempSync(join(tmpdir(), `ok-kkt-${name}-`)),
      ...(emulatorKey !== undefined && { emulatorKey }),
    },
    quiet,
  );
  closers.push(() => o.close());
  return o;
};

type Mode = 'other-fd' | 'bad-sign' | 'genuine';

/**
 * An OFD address that answers as told: the genuine OFD's answer to the next ФД of the ФН, the answer
 * of an OFD signing with another key, or the genuine answer.
 */
async function trickyOfd(genuine: RunningOfdEmulator, forger: RunningOfdEmulator) {
  const state = { mode: 'other-fd' as Mode };
  const server: Server = createServer((socket) => {
    let buf: Uint8Array = new Uint8Array(0);
    socket.on('error', () => undefined);
    socket.on('data', (c: Buffer) => {
      buf = concatBytes([buf, c]);
      const len = frameLength(buf);
      if (!len.ok || len.value === undefined || buf.length < len.value) return;
      const msg = buf.slice(0, len.value);
      const m = parseMessage(msg);
      if (!m.ok || !m.value.container) return socket.destroy();
      const { fnNumber, fdNumber } = m.value.container.header;
      const [to, ask] =
        state.mode === 'other-fd'
          ? [genuine, emulatedReceiptMessage(fnNumber, fdNumber + 1)]
          : [state.mode === 'bad-sign' ? forger : genuine, msg];
      exchangeOnce(to.tcp, ask, 2000).then(
        (a) => socket.end(a),
        () => socket.destroy(),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  closers.push(() => new Promise((r) => server.close(() => r())));
  const a = server.address();
  return { state, port: typeof a === 'object' && a ? a.port : 0 };
}

const fnState = async (k: RunningKktEmulator) =>
  (await (await fetch(`${k.httpUrl}/api/v1/fn`)).json()) as {
    unconfirmed: number;
    exchange: { rejectedAnswers: number };
  };

describe('the ФН takes only its own genuine answer', () => {
  it('refuses an answer for another ФД and one whose operator sign does not check out; the document stays unconfirmed until the genuine answer', async () => {
    const genuine = await ofd('genuine');
    const forger = await ofd('forger', 'another-emulator-key-0123456789');
    const tricky = await trickyOfd(genuine, forger);
    const warnings: string[] = [];
    const k = await startKktEmulator(
      {
        fn: '9999000000000911',
        ofd: { host: '127.0.0.1', port: tricky.port },
        http: { host: '127.0.0.1', port: 0 },
        dataDir: mkdtempSync(join(tmpdir(), 'ok-kkt-tricky-')),
        ffd: '1.2',
        retryMinMs: 20,
        retryMaxMs: 50,
      },
      { warn: (m) => warnings.push(m) },
    );
    closers.push(() => k.close());
    const r = await fetch(`${k.httpUrl}/api/v2/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        uuid: crypto.randomUUID(),
        request: [{ type: 'openShift', operator: { name: 'Кассир' } }],
      }),
    });
    expect(r.status).toBe(201);
    await expect.poll(async () => (await fnState(k)).unconfirmed).toBeGreaterThan(0);

    await expect
      .poll(() => warnings.some((w) => /answer is for ФН 9999000000000911 ФД \d+, not ФД \d+/.test(w)))
      .toBe(true);
    expect((await fnState(k)).unconfirmed).toBeGreaterThan(0);

    tricky.state.mode = 'bad-sign';
    const n = warnings.length;
    await expect
      .poll(() => warnings.slice(n).some((w) => /operator sign \(ФПО\) does not check out/.test(w)))
      .toBe(true);
    const st = await fnState(k);
    expect(st.unconfirmed).toBeGreaterThan(0);
    expect(st.exchange.rejectedAnswers).toBeGreaterThanOrEqual(2);

    tricky.state.mode = 'genuine';
    await expect.poll(async () => (await fnState(k)).unconfirmed, { timeout: 10_000 }).toBe(0);
  });
});
