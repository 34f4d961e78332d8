/**
 * The everyday failures around the relay and the sales flow, with real processes and nothing
 * restarted by hand: the head office's PostgreSQL restarts (once while the OFD is down), the store
 * server's disk runs full and is freed. Afterwards everything has arrived, once, by itself.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { startPrivatePg, type PrivatePg } from './private-pg.js';
import {
  enrollCode,
  expectComplete,
  fnStatus,
  freePort,
  ofdDocuments,
  seller,
  setFaults,
  sleep,
  startOfd,
  startServerRole,
  startTillWithKkt,
  stopAll,
  tempDir,
  tillSession,
  waitFor,
  waitUploaded,
} from './support.js';

let pg: PrivatePg | undefined;
let disk: string | undefined;
afterAll(async () => {
  await stopAll();
  pg?.destroy();
  if (disk) {
    execFileSync('umount', [disk]);
    rmSync(disk, { recursive: true, force: true });
  }
});

/** Fills the file system of `dir` to the last byte; returns the filler's path. */
function fillDisk(dir: string): string {
  const file = join(dir, 'filler.bin');
  const fd = openSync(file, 'w');
  try {
    for (const size of [1 << 20, 1 << 12, 1]) {
      const chunk = Buffer.alloc(size, 0x5a);
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (e) {
          if ((e as { code?: string }).code === 'ENOSPC') break;
          throw e;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

/** A server's /healthz, with credentials: the problems in their own words. */
async function health(
  api: string,
  auth: Record<string, string> = {},
): Promise<{ status: string; problems?: string[] }> {
  const r = await fetch(`${api}/healthz`, { headers: auth });
  return (await r.json()) as { status: string; problems?: string[] };
}

/** The sum of a metric's samples in a Prometheus text page. */
function metricSum(page: string, name: string): number {
  let sum = 0;
  for (const line of page.split('\n'))
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.split(' ').at(-1));
  return sum;
}

interface Doc {
  id: string;
}

async function serverDocIds(api: string, auth: Record<string, string>): Promise<string[]> {
  const r = await fetch(`${api}/api/v1/sales/documents?store=S1&limit=10000`, { headers: auth });
  return ((await r.json()) as { documents: Doc[] }).documents.map((d) => d.id).sort();
}

describe('outages of the infrastructure', () => {
  it('PostgreSQL restarted twice (once with the OFD down) and a full disk at the store: everything arrives once, no process restarted', async () => {
    pg = await startPrivatePg();
    disk = mkdtempSync(join(tmpdir(), 'ok-e2e-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', disk]);

    const logs: { name: string; output: () => string }[] = [];
    // what each process said, when the test fails (CI keeps no other trace of them)
    onTestFailed(() => {
      for (const l of logs) console.log(`--- ${l.name}:\n${l.output().slice(-4000)}`);
    });
    const ofd = await startOfd(tempDir('out-ofd'));
    const hqHttp = await freePort();
    const hqRelay = await freePort();
    const hq = await startServerRole([
      '--db',
      `${pg.url}?schema=hq`,
      '--relay',
      `127.0.0.1:${hqRelay}`,
      '--http',
      `127.0.0.1:${hqHttp}`,
      '--ofd',
      `127.0.0.1:${ofd.port}`,
      '--retry-max',
      '500',
    ]);
    logs.push({ name: 'head office', output: hq.role.output });
    const store = await startServerRole([
      '--data',
      join(disk, 'store'),
      '--relay',
      '127.0.0.1:0',
      '--http',
      '127.0.0.1:0',
      '--upstream-relay',
      `127.0.0.1:${hqRelay}`,
      '--upstream-server',
      hq.api,
      '--upstream-enroll',
      await enrollCode(hq, 'S1', 'store-server'),
      '--store',
      'S1',
      '--retry-max',
      '500',
    ]);
    logs.push({ name: 'store server', output: store.role.output });
    const tills = await Promise.all(
      ['T1', 'T2'].map(async (id, i) => {
        const fn = `99990000000007${i}1`;
        const { kkt, url } = await startTillWithKkt(store, {
          fn,
          tag: `out${i}`,
          extra: ['--till', id, '--demo-catalog', '100'],
        });
        const s = await tillSession(url, '2222');
        expect((await s.call('POST', '/api/shift/open')).status).toBe(200);
        return { id, fn, kkt, url };
      }),
    );
    const sellers = tills.map((t) => seller(() => t.url));
    await sleep(2000);

    // 1. PostgreSQL restarts under the head office.
    pg.restart('fast');
    await sleep(3000);

    // 2. The OFD goes down, and PostgreSQL restarts while it is down (and stays away a while).
    await setFaults(ofd.api, { mode: 'down' });
    await sleep(1500);
    pg.stop('immediate');
    await waitFor(
      'the head office to report its database away',
      async () => {
        const h = await health(hq.api, hq.auth);
        return h.status === 'degraded' && (h.problems ?? []).some((p) => p.startsWith('database'));
      },
      15_000,
    );
    await sleep(2000);
    pg.start();
    await sleep(2000);
    await setFaults(ofd.api, { mode: 'normal' });
    await sleep(2000);

    // 3. The store server's disk runs full, then is freed.
    const filler = fillDisk(disk);
    await waitFor(
      'the store server to report its full disk',
      async () => {
        const h = await health(store.api, store.auth);
        return h.status === 'degraded' && (h.problems ?? []).some((p) => /disk full/.test(p));
      },
      30_000,
    );
    await sleep(2000);
    rmSync(filler);

    const sold = await Promise.all(sellers.map((s) => s.stop()));
    expect(sold.every((n) => n >= 10)).toBe(true);
    for (const t of tills) {
      const s = await tillSession(t.url, '2222');
      expect((await s.call('POST', '/api/shift/close')).status).toBe(200);
      await waitUploaded(t.url, 90_000);
    }

    // Every ФН has 0 unconfirmed, and the OFD holds each of its documents once.
    for (const t of tills) {
      await waitFor(
        `ФН ${t.fn} to have nothing unconfirmed`,
        async () => (await fnStatus(t.kkt.url)).unconfirmed === 0,
        120_000,
      );
      const { lastFd } = await fnStatus(t.kkt.url);
      expectComplete(await ofdDocuments(ofd.api, t.fn), lastFd);
    }
    // The head office holds every till document once.
    const tillIds: string[] = [];
    for (const t of tills) {
      const s = await tillSession(t.url, '2222');
      const r = await s.call('GET', '/api/documents?limit=1000');
      const docs = r.body.documents as { id: string; state: string }[];
      expect(docs.filter((d) => d.state === 'pending')).toEqual([]);
      tillIds.push(...docs.filter((d) => d.state === 'done').map((d) => d.id));
    }
    await waitFor(
      'the head office to hold every till document',
      async () => {
        const ids = await serverDocIds(hq.api, hq.auth);
        return ids.length >= tillIds.length;
      },
      90_000,
    );
    const atHq = await serverDocIds(hq.api, hq.auth);
    expect(atHq).toEqual([...tillIds].sort());
    expect(await serverDocIds(store.api, store.auth)).toEqual([...tillIds].sort());

    // Healthy everywhere, and the metrics show what restarted.
    await waitFor(
      'every server to be healthy',
      async () => (await health(hq.api)).status === 'ok' && (await health(store.api)).status === 'ok',
      30_000,
    );
    for (const t of tills) expect((await (await fetch(`${t.url}/healthz`)).json()).status).toBe('ok');
    const hqMetrics = await (await fetch(`${hq.api}/metrics`)).text();
    expect(metricSum(hqMetrics, 'openkassa_worker_restarts_total')).toBeGreaterThan(0);
    expect(hqMetrics).toMatch(/openkassa_worker_up\{worker="relay-forwarder"\} 1/);
  }, 300_000);
});
