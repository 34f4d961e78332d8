import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  dropTestDatabases,
  expectComplete,
  fnStatus,
  freePort,
  ofdDocuments,
  pgDbArgs,
  postTasks,
  sellTask,
  setFaults,
  sleep,
  startKkt,
  startLocalServer,
  startOfd,
  startServerRole,
  stopAll,
  tempDir,
  type Role,
  waitDrained,
  waitResults,
} from './support.js';

afterEach(stopAll);
afterAll(dropTestDatabases);

const SERVER_TIMING = ['--answer-wait', '1000', '--upstream-timeout', '1500', '--retry-max', '300'];

/** Sells continuously, one receipt per request, until stopped; returns how many were made. */
function sellContinuously(url: string, prefix: string) {
  let stopped = false;
  let made = 0;
  const done = (async () => {
    await postTasks(url, `${prefix}-open`, [{ type: 'openShift' }]);
    await waitResults(url, `${prefix}-open`);
    for (let i = 0; !stopped; i++) {
      const uuid = `${prefix}-${i}`;
      if ((await postTasks(url, uuid, [sellTask(i)])) !== 201) throw new Error('sale refused');
      const r = await waitResults(url, uuid);
      if (r[0]!.status !== 'ready') throw new Error(`sale failed: ${r[0]!.errorDescription}`);
      made++;
      await sleep(100); // a busy till, not a load test: that is bench/relay's job
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
      return made;
    },
  };
}

for (const hqDb of ['sqlite', 'postgres'] as const) {
  describe(`relay chain, head office on ${hqDb}`, () => {
    it('five ККТ → store relay → head-office relay → OFD, through server kills and OFD faults: nothing lost, nothing doubled, every answer to its own ККТ', async () => {
      const ofd = await startOfd(tempDir('chain-ofd'));
      const hqRelay = await freePort();
      const storeRelay = await freePort();
      const hqArgs = hqDb === 'postgres' ? await pgDbArgs() : ['--data', tempDir('chain-hq')];
      const storeDir = tempDir('chain-store');
      const startHq = () =>
        startServerRole([
          ...hqArgs,
          '--relay',
          `127.0.0.1:${hqRelay}`,
          '--http',
          '127.0.0.1:0',
          '--ofd',
          `127.0.0.1:${ofd.port}`,
          ...SERVER_TIMING,
        ]);
      const startStore = () =>
        startServerRole([
          '--data',
          storeDir,
          '--relay',
          `127.0.0.1:${storeRelay}`,
          '--http',
          '127.0.0.1:0',
          '--upstream-relay',
          `127.0.0.1:${hqRelay}`,
          ...SERVER_TIMING,
        ]);
      let hq = await startHq();
      let store = await startStore();
      const fns = Array.from({ length: 5 }, (_, i) => `999900000000${hqDb === 'sqlite' ? 4 : 5}00${i + 1}`);
      const kkts = await Promise.all(
        fns.map((fn, i) =>
          startKkt(fn, storeRelay, tempDir(`chain-kkt${i}`), [
            '--ofd-timeout',
            '3000',
            ...(i % 2 ? ['--ffd', '1.05'] : []),
          ]),
        ),
      );
      const sellers = kkts.map((k, i) => sellContinuously(k.url, `k${i}`));

      const restart = async (which: 'store' | 'hq') => {
        const r: Role = which === 'store' ? store.role : hq.role;
        await r.stop('SIGKILL');
        await sleep(300);
        if (which === 'store') store = await startStore();
        else hq = await startHq();
      };
      await sleep(1500);
      await restart('store');
      await sleep(1000);
      await restart('hq');
      await setFaults(ofd.api, { mode: 'down' });
      await sleep(1500);
      await restart('store');
      await setFaults(ofd.api, { mode: 'silent' });
      await sleep(1500);
      await restart('hq');
      await setFaults(ofd.api, { mode: 'slow', delayMs: 2500 });
      await sleep(1500);
      await setFaults(ofd.api, { mode: 'drop' });
      await sleep(1000);
      await restart('store');
      await restart('hq');
      await setFaults(ofd.api, { mode: 'normal' });
      await sleep(1000);
      const made = await Promise.all(sellers.map((s) => s.stop()));
      expect(made.every((n) => n > 10)).toBe(true);

      for (const [i, k] of kkts.entries()) {
        const s = await waitDrained(k.url, 120_000);
        expect(s.lastFd).toBe(2 + made[i]!);
        // the OFD holds every ФД of this ФН exactly once
        expectComplete(await ofdDocuments(ofd.api, fns[i]!), s.lastFd);
        // the head office has every document, parsed, and knows it is confirmed; a relay passes an
        // answer on before it commits it, so its record may follow the ККТ's confirmation by a moment
        const hqState = async () => {
          const { documents } = (await (
            await fetch(`${hq.api}/api/v1/fiscal/documents?fn=${fns[i]}&limit=10000`, { headers: hq.auth })
          ).json()) as { documents: { fd: number; state: string; parsed: unknown }[] };
          return {
            fds: documents.map((d) => d.fd),
            unsettled: documents.filter((d) => d.parsed === null || d.state !== 'answered'),
          };
        };
        await expect
          .poll(hqState, { timeout: 10_000, interval: 100 })
          .toEqual({ fds: Array.from({ length: s.lastFd }, (_, j) => j + 1), unsettled: [] });
        // no ККТ was ever handed an answer that was not for the document it offered
        const st = (await (await fetch(`${k.url}/api/v1/fn`)).json()) as {
          exchange: { rejectedAnswers: number };
        };
        expect(st.exchange.rejectedAnswers).toBe(0);
      }
      expect((await fnStatus(kkts[0]!.url)).unconfirmed).toBe(0);
    }, 240_000);
  });
}

describe('two server processes on one PostgreSQL', () => {
  it('share the forwarding work: every document reaches the OFD once', async () => {
    const db = await pgDbArgs();
    const ofd = await startOfd(tempDir('pair-ofd'));
    const node = () => startLocalServer(db, ['--ofd', `127.0.0.1:${ofd.port}`]);
    const a = await node();
    const b = await node();
    const fns = Array.from({ length: 6 }, (_, i) => `99990000000060${i + 10}`);
    const kkts = await Promise.all(
      fns.map((fn, i) => startKkt(fn, i < 3 ? a.relayPort : b.relayPort, tempDir(`pair-kkt${i}`))),
    );
    await Promise.all(
      kkts.map(async (k, i) => {
        await postTasks(k.url, `open-${i}`, [{ type: 'openShift' }]);
        await waitResults(k.url, `open-${i}`);
        for (let j = 0; j < 4; j++) {
          expect(
            await postTasks(
              k.url,
              `s-${i}-${j}`,
              Array.from({ length: 25 }, (_, n) => sellTask(j * 25 + n)),
            ),
          ).toBe(201);
          await waitResults(k.url, `s-${i}-${j}`);
        }
      }),
    );
    let total = 0;
    for (const [i, k] of kkts.entries()) {
      const s = await waitDrained(k.url, 60_000);
      const docs = await ofdDocuments(ofd.api, fns[i]!);
      expectComplete(docs, s.lastFd);
      expect(docs.filter((d) => d.timesReceived !== 1)).toEqual([]); // none forwarded twice
      total += s.lastFd;
    }
    const forwarded = async (api: string) => {
      const m = /openkassa_relay_forwarded_total\{outcome="answered"\} (\d+)/.exec(
        await (await fetch(`${api}/metrics`)).text(),
      );
      return Number(m?.[1] ?? 0);
    };
    const [fa, fb] = [await forwarded(a.api), await forwarded(b.api)];
    expect(fa + fb).toBe(total);
    expect(fa).toBeGreaterThan(0);
    expect(fb).toBeGreaterThan(0);
  }, 180_000);
});
