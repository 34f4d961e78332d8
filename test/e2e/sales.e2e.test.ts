import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  dropTestDatabases,
  freePort,
  pgDbArgs,
  seller,
  sleep,
  startKkt,
  startOfd,
  startServerRole,
  startTillRole,
  enrollCode,
  stopAll,
  tempDir,
  tillSession,
  tillStatus,
  waitUploaded,
  waitFor,
  type Role,
} from './support.js';

afterEach(stopAll);
afterAll(dropTestDatabases);

interface Doc {
  id: string;
  till: string;
  kind: string;
  shift: number;
  at: string;
  total: number;
  payments: { cash: number; card: number };
  kktTotals?: { sell: { count: number; sum: number }; sellReturn: { count: number; sum: number } };
}

async function serverDocs(api: string, auth: Record<string, string>): Promise<Doc[]> {
  const r = await fetch(`${api}/api/v1/sales/documents?store=S1&limit=10000`, { headers: auth });
  return ((await r.json()) as { documents: Doc[] }).documents;
}

/** Count and sum per till, shift, day and kind: what a report would show. */
function totals(
  docs: readonly Doc[],
): Record<string, { n: number; total: number; cash: number; card: number }> {
  const out: Record<string, { n: number; total: number; cash: number; card: number }> = {};
  for (const d of docs) {
    const k = `${d.till}/${d.shift}/${d.at.slice(0, 10)}/${d.kind}`;
    const t = (out[k] ??= { n: 0, total: 0, cash: 0, card: 0 });
    t.n++;
    t.total += d.total;
    t.cash += d.payments.cash;
    t.card += d.payments.card;
  }
  return out;
}

describe('sales flow: tills → store server → head office', () => {
  it('sells offline, survives SIGKILL of tills, store and head office, and every document arrives once with the ККТ totals', async () => {
    const ofd = await startOfd(tempDir('se-ofd'));
    const hqDb = await pgDbArgs();
    const hqHttp = await freePort();
    const hqRelay = await freePort();
    const hqArgs = [
      ...hqDb,
      '--relay',
      `127.0.0.1:${hqRelay}`,
      '--http',
      `127.0.0.1:${hqHttp}`,
      '--ofd',
      `127.0.0.1:${ofd.port}`,
      '--retry-max',
      '300',
    ];
    const hqApi = `http://127.0.0.1:${hqHttp}`;
    const hqFirst = await startServerRole(hqArgs);
    let hq: Role = hqFirst.role;
    const hqAuth = hqFirst.auth; // sessions outlive restarts

    const storeHttp = await freePort();
    const storeRelay = await freePort();
    const storeArgs = [
      '--data',
      tempDir('se-store'),
      '--relay',
      `127.0.0.1:${storeRelay}`,
      '--http',
      `127.0.0.1:${storeHttp}`,
      '--upstream-relay',
      `127.0.0.1:${hqRelay}`,
      '--upstream-server',
      hqApi,
      '--upstream-enroll', // used once: the store server keeps its credentials
      await enrollCode({ api: hqApi, auth: hqAuth }, 'S1', 'store-server'),
      '--store',
      'S1',
      '--retry-max',
      '300',
    ];
    const storeApi = `http://127.0.0.1:${storeHttp}`;
    const storeFirst = await startServerRole(storeArgs);
    let store: Role = storeFirst.role;
    const storeAuth = storeFirst.auth;

    const tills = await Promise.all(
      ['T1', 'T2'].map(async (id, i) => {
        const kkt = await startKkt(`99990000000006${i}1`, storeRelay, tempDir(`se-kkt${i}`));
        const port = await freePort();
        const args = [
          '--kkt',
          kkt.url,
          '--server',
          storeApi,
          '--enroll',
          await enrollCode({ api: storeApi, auth: storeAuth }, 'S1'),
          '--data',
          tempDir(`se-till${i}`),
          '--http',
          `127.0.0.1:${port}`,
          '--till',
          id,
          '--demo-catalog',
          '100',
        ];
        const t = { id, url: `http://127.0.0.1:${port}`, args, role: (await startTillRole(args)).role };
        const s = await tillSession(t.url, '2222');
        expect((await s.call('POST', '/api/shift/open')).status).toBe(200);
        return t;
      }),
    );
    const sellers = tills.map((t) => seller(() => t.url));
    await sleep(1500);

    // The store server goes away: the tills keep selling and queue their documents.
    await store.stop('SIGKILL');
    for (const t of tills) {
      await waitFor(
        'the till to queue what it sells',
        async () => (await tillStatus(t.url)).queue > 0,
        15_000,
      );
      await waitFor(
        'the till to see the link down',
        async () => !(await tillStatus(t.url)).link.online,
        10_000,
      );
    }

    // It comes back; till T1 is killed while it uploads its backlog, and restarted.
    store = (await startServerRole(storeArgs)).role;
    await sleep(150);
    await tills[0]!.role.stop('SIGKILL');
    await sleep(500);
    tills[0]!.role = (await startTillRole(tills[0]!.args)).role;
    await sleep(1500);

    // The store server is killed during ingest, then the head office; both restart.
    await store.stop('SIGKILL');
    store = (await startServerRole(storeArgs)).role;
    await sleep(1000);
    await hq.stop('SIGKILL');
    await sleep(1500);
    hq = (await startServerRole(hqArgs)).role;
    await sleep(1500);

    const sold = await Promise.all(sellers.map((s) => s.stop()));
    expect(sold.every((n) => n >= 10)).toBe(true);
    for (const t of tills) {
      const s = await tillSession(t.url, '2222');
      const z = await s.call('POST', '/api/shift/close');
      expect(z.status).toBe(200);
      expect((z.body.report as { agree: boolean }).agree).toBe(true);
      await waitUploaded(t.url);
    }
    await waitFor('the store to hand everything to the head office', async () => {
      const u = (await (await fetch(`${storeApi}/api/v1/sales/uplink`, { headers: storeAuth })).json()) as {
        pending: number;
      };
      return u.pending === 0;
    });

    // Every finished till document exactly once at the store and at the head office.
    const tillDocs: Doc[] = [];
    for (const t of tills) {
      const s = await tillSession(t.url, '2222');
      const r = await s.call('GET', '/api/documents?limit=500');
      const docs = r.body.documents as { id: string; state: string }[];
      expect(docs.filter((d) => d.state === 'pending')).toEqual([]);
      for (const d of docs.filter((x) => x.state === 'done')) {
        const full = await s.call('GET', `/api/documents/${(d as unknown as { number: number }).number}`);
        const v = full.body as unknown as {
          id: string;
          kind: string;
          shift: number;
          createdAt: string;
          total: number;
          cash: number;
          card: number;
        };
        tillDocs.push({
          id: v.id,
          till: t.id,
          kind: v.kind,
          shift: v.shift,
          at: v.createdAt,
          total: v.total,
          payments:
            v.kind === 'sale' || v.kind === 'return' ? { cash: v.cash, card: v.card } : { cash: 0, card: 0 },
        });
      }
    }
    const atStore = await serverDocs(storeApi, storeAuth);
    const atHq = await serverDocs(hqApi, hqAuth);
    const ids = (ds: readonly Doc[]) => ds.map((d) => d.id).sort();
    expect(tillDocs.length).toBeGreaterThan(20);
    expect(ids(atStore)).toEqual(ids(tillDocs));
    expect(ids(atHq)).toEqual(ids(tillDocs));
    expect(new Set(ids(atHq)).size).toBe(atHq.length);
    // Counts and sums per till, shift and day agree at every level.
    expect(totals(atStore)).toEqual(totals(tillDocs));
    expect(totals(atHq)).toEqual(totals(tillDocs));

    // And with the ККТ: each shift's Z totals equal the head office's shift report.
    for (const t of tills) {
      const rep = (await (
        await fetch(`${hqApi}/api/v1/sales/shift-report?store=S1&till=${t.id}&shift=1`, { headers: hqAuth })
      ).json()) as {
        sale: { count: number; total: number };
        return: { count: number; total: number };
        kktTotals: {
          sell: { count: number; sum: number };
          sellReturn: { count: number; sum: number };
        } | null;
        closed: boolean;
      };
      expect(rep.closed).toBe(true);
      expect(rep.kktTotals).not.toBeNull();
      expect({ count: rep.sale.count, sum: rep.sale.total }).toEqual(rep.kktTotals!.sell);
      expect({ count: rep.return.count, sum: rep.return.total }).toEqual(rep.kktTotals!.sellReturn);
    }
  }, 180_000);
});
