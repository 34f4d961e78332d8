/** What `openkassa sandbox` and `demo` run, loaded only by them. */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  buildMessage,
  buildReceipt,
  checkDocument,
  encodeDocument,
  fiscalTimeAt,
  formatRoubles,
  numberOf,
  parseMessage,
  receiptQrPayload,
} from '@openkassa/fiscal';
import { startKktEmulator, type RunningKktEmulator } from '@openkassa/kkt-emulator';
import { startOfdEmulator } from '@openkassa/ofd-emulator';
import { startServer, type RunningServer } from '@openkassa/server';
import {
  DEMO_USERS,
  demoCatalog,
  demoCatalogItems,
  demoCategoryItems,
  startTill,
  type RunningTill,
} from '@openkassa/till';
import type { Io } from '../io.js';
import { enrollmentCode, login } from '../server-client.js';
import type { DemoOptions } from './sandbox.js';

/** The administrator's password on the sandbox's servers: printed, because it is a sandbox. */
const SANDBOX_ADMIN_PASSWORD = 'sandbox-admin';

export async function runDemo(io: Io, o: DemoOptions, stop: () => Promise<string>): Promise<void> {
  const dir = resolve(io.cwd, o.data);
  mkdirSync(dir, { recursive: true });
  const port = (p: number) => (o.randomPorts ? 0 : p);
  io.out(`OpenKassa sandbox (data in ${dir})\n\n`);
  io.out(fiscalSelfCheck());
  const quietLog = { info: () => undefined, warn: (m: string) => io.err(`${m}\n`) };

  const ofd = await startOfdEmulator({
    listen: { host: '127.0.0.1', port: port(7790) },
    http: { host: '127.0.0.1', port: port(7791) },
    dataDir: join(dir, 'ofd'),
  });
  const hq = await startServer(
    {
      dataDir: join(dir, 'hq'),
      http: { host: '127.0.0.1', port: port(8080) },
      relay: { host: '127.0.0.1', port: port(7777) },
      upstream: ofd.tcp,
      retryMaxMs: 10_000,
      adminPassword: SANDBOX_ADMIN_PASSWORD,
    },
    quietLog,
  );
  const hqToken = await login(hq.httpUrl, 'admin', SANDBOX_ADMIN_PASSWORD);
  // The head office owns the catalogue; the stores mirror it and their tills pull it.
  const seeded = await fetch(`${hq.httpUrl}/api/v1/catalog/items`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${hqToken}` },
    body: JSON.stringify({ items: [...demoCategoryItems(), ...demoCatalogItems(2000)] }),
  });
  if (!seeded.ok) throw new Error(`sandbox: the head office refused the demo catalogue: ${seeded.status}`);
  const stores: RunningServer[] = [];
  const kkts: { fn: string; store: number; k: RunningKktEmulator; till: RunningTill }[] = [];
  for (let s = 0; s < o.stores; s++) {
    const store = await startServer(
      {
        dataDir: join(dir, `store-${s + 1}`),
        http: { host: '127.0.0.1', port: port(8081 + s) },
        relay: { host: '127.0.0.1', port: port(7778 + s) },
        upstream: hq.relay,
        upstreamServer: hq.httpUrl,
        store: `S${s + 1}`,
        reportEveryMs: 10_000,
        retryMaxMs: 10_000,
        adminPassword: SANDBOX_ADMIN_PASSWORD,
        // each store server enrolls at the head office, each till at its store server
        upstreamEnrollCode: await enrollmentCode(hq.httpUrl, hqToken, `S${s + 1}`, 'store-server'),
      },
      quietLog,
    );
    stores.push(store);
    const storeToken = await login(store.httpUrl, 'admin', SANDBOX_ADMIN_PASSWORD);
    for (let r = 0; r < o.registers; r++) {
      const fn = `99990000${String(s + 1).padStart(4, '0')}${String(r + 1).padStart(4, '0')}`;
      const k = await startKktEmulator({
        fn,
        ofd: store.relay,
        http: { host: '127.0.0.1', port: port(16732 + kkts.length) },
        dataDir: join(dir, `kkt-${fn}`),
        ffd: r % 2 === 0 ? '1.2' : '1.05',
        retryMaxMs: 10_000,
      });
      const till = await startTill(
        {
          dataDir: join(dir, `till-${s + 1}-${r + 1}`),
          kkt: k.httpUrl,
          server: store.httpUrl,
          http: { host: '127.0.0.1', port: port(8090 + kkts.length) },
          store: `S${s + 1}`,
          till: `T${r + 1}`,
          demoCatalog: 0, // the goods come from the head office; the demo users are the till's own
          uploadRetryMaxMs: 10_000,
          enrollCode: await enrollmentCode(store.httpUrl, storeToken, `S${s + 1}`, 'till'),
        },
        quietLog,
      );
      kkts.push({ fn, store: s + 1, k, till });
    }
  }
  // Ready to sell once every till has the head office's catalogue (through its store server).
  for (const { till } of kkts)
    for (let i = 0; ; i++) {
      const st = (await (await fetch(`${till.url}/api/status`)).json()) as { products?: number };
      if ((st.products ?? 0) > 0) break;
      if (i === 600) {
        io.err(`sandbox: ${till.url} has no catalogue from its server yet; it will sell once it does\n`);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  io.out(
    `  OFD       emulator: tcp://${ofd.tcp.host}:${ofd.tcp.port}; received documents ${ofd.httpUrl}/api/v1/documents, faults ${ofd.httpUrl}/api/v1/faults\n`,
  );
  io.out(
    `  HQ        head-office cash server (SQLite in hq/): relay tcp://${hq.relay.host}:${hq.relay.port} → OFD; backlog ${hq.httpUrl}/api/v1/fiscal/backlog, metrics ${hq.httpUrl}/metrics\n`,
  );
  for (const [i, st] of stores.entries()) {
    io.out(
      `  store ${i + 1}   store cash server: relay tcp://${st.relay.host}:${st.relay.port} → head office; backlog ${st.httpUrl}/api/v1/fiscal/backlog; sales → head office\n`,
    );
  }
  for (const { fn, store, k, till } of kkts) {
    io.out(
      `  ККТ       emulated ФН ${fn} in store ${store}: ATOL JSON tasks ${k.httpUrl}/api/v2/requests, ФН status ${k.httpUrl}/api/v1/fn\n` +
        `  till      sale screen ${till.url}/ (on ФН ${fn})\n`,
    );
  }
  io.out(`            PINs: ${DEMO_USERS.map((u) => `${u.pin} ${u.role}`).join(', ')}\n`);
  io.out(
    `  back office  ${hq.httpUrl}/ (head office: every store)${stores.map((st, i) => `, ${st.httpUrl}/ (store ${i + 1})`).join('')}\n`,
  );
  io.out(
    `  login on every server (back office and API): admin / ${SANDBOX_ADMIN_PASSWORD} (POST /api/v1/auth/login; the sandbox's own password, never for a real shop)\n`,
  );
  const today = new Date().toISOString().slice(0, 10);
  const seller =
    o.sellEvery > 0
      ? backgroundSales(
          kkts.map((x) => x.till.url),
          o.sellEvery,
          io,
        )
      : undefined;
  io.out(
    `\n  ${seller ? `Each till sells a receipt every ${o.sellEvery / 1000} s; ` : ''}fiscal documents go ККТ → store → head office → OFD emulator, sales go till → store → head office.\n` +
      `\n  Head office: catalogue ${hq.httpUrl}/api/v1/catalog/changes, devices ${hq.httpUrl}/api/v1/devices,\n` +
      `  sales by store ${hq.httpUrl}/api/v1/reports/sales?by=store&from=${today}&to=${today}, shifts ${hq.httpUrl}/api/v1/reports/shifts?from=${today}&to=${today}\n` +
      `\nNot in the sandbox yet (they join as they are built):\n` +
      `  processing centre, scales.\n` +
      `\nsandbox running; Ctrl+C stops it.\n`,
  );
  await stop();
  seller?.stop();
  await seller?.done;
  for (const { till } of kkts) await till.close();
  for (const { k } of kkts) await k.close();
  for (const st of stores) await st.close();
  await hq.close();
  await ofd.close();
  io.out('sandbox stopped\n');
}

/**
 * A cashier at each till: logs in, opens a shift when there is none, and now and then sells one
 * to three goods of the demo catalogue, paid by cash or card, through the till like the sale
 * screen does. A person using the same till meanwhile simply takes turns with it.
 */
function backgroundSales(tills: string[], everyMs: number, io: Io): { stop(): void; done: Promise<void> } {
  let stopped = false;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((r) => {
      const t = setTimeout(r, ms);
      wake = () => {
        clearTimeout(t);
        r();
      };
    });
  const goods = demoCatalog(12).filter((p) => p.barcodes && p.barcodes.length > 0);
  const cashier = DEMO_USERS[0];
  const call = async (url: string, token: string | undefined, path: string, body?: unknown) => {
    const r = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: {
        ...(token && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const data = (await r.json()) as { token?: string; error?: { code: string; message: string } };
    return { status: r.status, data };
  };
  const tokens = new Map<string, string>();
  const done = (async () => {
    let n = 0;
    const isStopped = () => stopped; // read after awaits; a plain check would be narrowed away
    while (!isStopped()) {
      await sleep(everyMs);
      if (isStopped()) break;
      for (const url of tills) {
        try {
          let token = tokens.get(url);
          if (!token) {
            token = (await call(url, undefined, '/api/login', { pin: cashier.pin })).data.token;
            if (!token) throw new Error('login refused');
            tokens.set(url, token);
          }
          const lines = Array.from({ length: 1 + (n % 3) }, (_, i) => ({
            barcode: goods[(n + i * 5) % goods.length]!.barcodes![0]!,
          }));
          const total = lines.reduce(
            (sum, l) => sum + goods.find((g) => g.barcodes![0] === l.barcode)!.price,
            0,
          );
          const card = n % 2 === 0 ? total : 0;
          const sale = { lines, card, cashTendered: Math.ceil((total - card) / 10000) * 10000 };
          let r = await call(url, token, '/api/sale', sale);
          if (r.data.error?.code === 'no-shift') {
            await call(url, token, '/api/shift/open');
            r = await call(url, token, '/api/sale', sale);
          }
          if (r.status === 401) tokens.delete(url);
          else if (r.status !== 200)
            io.err(`sandbox: background sale at ${url}: ${r.data.error?.message ?? r.status}\n`);
          n++;
        } catch (e) {
          io.err(`sandbox: background sale failed: ${e instanceof Error ? e.message : String(e)}\n`);
        }
      }
    }
  })();
  return {
    stop() {
      stopped = true;
      wake?.();
    },
    done,
  };
}

/** Builds one receipt message the way a ФН would frame it and reads it back. */
function fiscalSelfCheck(): string {
  const receipt = buildReceipt({
    ffd: '1.2',
    operationType: 1,
    taxation: 1,
    user: 'ООО "Песочница"',
    userInn: '7700000000',
    kktRegId: '0000000001000001',
    address: 'г. Москва, ул. Образцовая, 1',
    place: 'Магазин "Песочница"',
    cashier: 'Кассир Демо',
    fnNumber: '9999000000000001',
    fdNumber: 2,
    shiftNumber: 1,
    receiptNumber: 1,
    dateTime: fiscalTimeAt(new Date(), 180),
    fiscalSign: Uint8Array.of(0, 0, 0x12, 0x34, 0x56, 0x78),
    lines: [
      { name: 'Сыр весовой', price: 89900, quantity: { mantissa: 345n, scale: 3 }, vatRate: 11, measure: 11 },
      { name: 'Хлеб', price: 4500, quantity: { mantissa: 2n, scale: 0 }, vatRate: 2 },
    ],
    payments: { cash: 10000, card: 30016 },
  });
  if (!receipt.ok) return `  fiscal    self-check failed: ${receipt.error}\n`;
  const doc = encodeDocument(receipt.value);
  if (!doc.ok) return `  fiscal    self-check failed: ${doc.error.message}\n`;
  const msg = buildMessage({
    pVersion: 0x0120,
    fnNumber: '9999000000000001',
    fdNumber: 2,
    dataType: 3,
    document: doc.value,
  });
  if (!msg.ok) return `  fiscal    self-check failed: ${msg.error.message}\n`;
  const back = parseMessage(msg.value);
  if (!back.ok || !back.value.container?.document)
    return `  fiscal    self-check failed: message did not parse\n`;
  const flk = checkDocument(back.value.container.document);
  const qr = receiptQrPayload(back.value.container.document);
  return (
    `  fiscal    built a ${msg.value.length}-byte OFD message for a ${formatRoubles(numberOf(receipt.value.fields, 1020) ?? 0)} ₽ receipt, read it back:\n` +
    `            CRC ${back.value.container.crcValid ? 'ok' : 'BAD'}, FFD ${flk.ffd ?? '?'}, ФЛК ${flk.ok ? 'passed' : `${flk.violations.length} violation(s)`}\n` +
    `            QR ${qr.ok ? qr.value : qr.error}\n`
  );
}
