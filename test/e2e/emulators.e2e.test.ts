import { afterEach, describe, expect, it } from 'vitest';
import {
  expectComplete,
  fnStatus,
  ofdDocuments,
  postTasks,
  sellTask,
  setFaults,
  sleep,
  startKkt,
  startOfd,
  stopAll,
  tempDir,
  waitDrained,
  waitResults,
} from './support.js';

afterEach(stopAll);

/** Opens a shift and sells `n` receipts in requests of `batch` tasks; returns the ФД numbers. */
async function sell(url: string, prefix: string, from: number, n: number, batch = 50): Promise<number[]> {
  const fds: number[] = [];
  for (let i = 0; i < n; i += batch) {
    const tasks = Array.from({ length: Math.min(batch, n - i) }, (_, k) => sellTask(from + i + k));
    const uuid = `${prefix}-${from + i}`;
    expect(await postTasks(url, uuid, tasks)).toBe(201);
    const r = await waitResults(url, uuid);
    expect(r.map((x) => x.status)).toEqual(tasks.map(() => 'ready'));
    fds.push(...r.map((x) => x.result!.fiscalParams!.fiscalDocumentNumber));
  }
  return fds;
}

async function openShift(url: string, uuid: string) {
  expect(await postTasks(url, uuid, [{ type: 'openShift', operator: { name: 'Кассир' } }])).toBe(201);
  expect((await waitResults(url, uuid))[0]!.status).toBe('ready');
}

describe('ККТ emulators and the OFD emulator as real processes', () => {
  it('three ККТ sell 500 receipts each straight to the OFD: every document confirmed, stored once', async () => {
    const ofd = await startOfd(tempDir('ofd'));
    const fns = ['9999000000001001', '9999000000001002', '9999000000001003'];
    const kkts = await Promise.all(
      fns.map((fn, i) => startKkt(fn, ofd.port, tempDir(`kkt${i}`), i === 2 ? ['--ffd', '1.05'] : [])),
    );
    await Promise.all(
      kkts.map(async (k, i) => {
        await openShift(k.url, `open-${i}`);
        const fds = await sell(k.url, `sale-${i}`, 0, 500);
        expect(fds).toEqual(Array.from({ length: 500 }, (_, j) => j + 3));
      }),
    );
    for (const [i, k] of kkts.entries()) {
      const s = await waitDrained(k.url);
      expect(s.lastFd).toBe(502);
      const docs = await ofdDocuments(ofd.api, fns[i]!);
      expectComplete(docs, 502);
      expect(docs.filter((d) => !d.flkOk)).toEqual([]);
      expect(docs.filter((d) => d.form === 3)).toHaveLength(500);
    }
  }, 240_000);

  it('OFD down, then silent, then slow: backlogs grow while selling goes on; after normal everything drains, nothing missing or doubled', async () => {
    const ofd = await startOfd(tempDir('ofd-faults'));
    const fns = ['9999000000002001', '9999000000002002'];
    const kkts = await Promise.all(
      fns.map((fn, i) => startKkt(fn, ofd.port, tempDir(`kkt-f${i}`), ['--ofd-timeout', '300'])),
    );
    await Promise.all(kkts.map((k, i) => openShift(k.url, `open-${i}`)));
    await Promise.all(kkts.map((k) => waitDrained(k.url)));

    const backlog = async () => Promise.all(kkts.map(async (k) => (await fnStatus(k.url)).unconfirmed));
    let sold = 0;
    for (const [mode, extra] of [
      ['down', {}],
      ['silent', {}],
      ['slow', { delayMs: 1500 }],
    ] as const) {
      await setFaults(ofd.api, { mode, ...extra });
      const before = await backlog();
      await Promise.all(kkts.map((k, i) => sell(k.url, `${mode}-${i}`, sold, 20, 10)));
      sold += 20;
      // every receipt sold under the fault waits for its confirmation
      const after = await backlog();
      after.forEach((n, i) => expect(n).toBeGreaterThanOrEqual(before[i]! + 20));
      await sleep(700); // several delivery attempts fail meanwhile
    }
    await setFaults(ofd.api, { mode: 'normal' });
    for (const [i, k] of kkts.entries()) {
      const s = await waitDrained(k.url, 90_000);
      expect(s.lastFd).toBe(2 + sold);
      expectComplete(await ofdDocuments(ofd.api, fns[i]!), s.lastFd);
    }
  }, 240_000);

  it('SIGKILL in the middle of selling: counters continue, no ФД reused or lost, every accepted sale delivered once', async () => {
    const ofd = await startOfd(tempDir('ofd-kill'));
    const fn = '9999000000003001';
    const dir = tempDir('kkt-kill');
    let kkt = await startKkt(fn, ofd.port, dir);
    await openShift(kkt.url, 'open');
    const accepted: string[] = [];
    const uncertain: string[] = [];
    const readyBeforeKill = new Map<string, number>();
    let i = 0;
    const killAt = Date.now() + 1500;
    // Keep several requests in flight so the kill lands while tasks are running.
    while (Date.now() < killAt) {
      const batch = Array.from({ length: 4 }, () => `s-${i++}`);
      await Promise.all(
        batch.map(async (uuid) => {
          if ((await postTasks(kkt.url, uuid, [sellTask(i)])) === 201) accepted.push(uuid);
        }),
      );
      for (const uuid of batch.slice(0, 2)) {
        const r = await waitResults(kkt.url, uuid);
        readyBeforeKill.set(uuid, r[0]!.result!.fiscalParams!.fiscalDocumentNumber);
      }
    }
    const inFlight = Array.from({ length: 6 }, () => `s-${i++}`);
    const posts = inFlight.map((uuid) =>
      postTasks(kkt.url, uuid, [sellTask(i)]).then(
        (code) => (code === 201 ? accepted.push(uuid) : undefined),
        () => uncertain.push(uuid),
      ),
    );
    await sleep(5);
    await kkt.role.stop('SIGKILL');
    await Promise.allSettled(posts);

    kkt = await startKkt(fn, ofd.port, dir);
    // A POST whose answer was lost may still have been stored: ask for it.
    for (const uuid of uncertain) {
      const r = await fetch(`${kkt.url}/api/v2/requests/${uuid}`);
      if (r.status === 200) accepted.push(uuid);
    }
    const results = new Map<string, number>();
    for (const uuid of accepted) {
      const r = await waitResults(kkt.url, uuid);
      expect(r[0]!.status).toBe('ready');
      results.set(uuid, r[0]!.result!.fiscalParams!.fiscalDocumentNumber);
    }
    for (const [uuid, fd] of readyBeforeKill) expect(results.get(uuid)).toBe(fd);
    // After the restart the numbering continues.
    const more = await sell(kkt.url, 'after', 10_000, 10, 5);
    const fds = [...results.values(), ...more].sort((a, b) => a - b);
    expect(new Set(fds).size).toBe(fds.length); // no ФД reused
    const s = await waitDrained(kkt.url);
    expect(s.lastFd).toBe(2 + accepted.length + 10); // registration, shift, one receipt per accepted sale
    expect(fds).toEqual(Array.from({ length: fds.length }, (_, k) => k + 3));
    expectComplete(await ofdDocuments(ofd.api, fn), s.lastFd);
  }, 120_000);
});
