import { mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { openDatabase, type CoreSchema } from '@openkassa/db';
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
import type { Io } from '../io.js';
import { integer, untilSignal } from '../options.js';

const SANDBOX_FNS = ['9999000000000001', '9999000000000002'];

/**
 * The sandbox of `npm start`: runs what exists of the product so far — the OFD emulator and two
 * emulated ККТ with a little background selling — and says plainly what does not exist yet.
 */
export function sandboxCommand(io: Io, stop: () => Promise<string> = untilSignal): Command {
  return new Command('sandbox')
    .description(
      'Run the sandbox: the parts of OpenKassa that exist so far, on embedded SQLite, saying what runs where',
    )
    .addOption(new Option('--data <dir>', 'sandbox data folder').default('.sandbox'))
    .addOption(
      new Option('--ofd-port <port>', 'OFD emulator TCP port (its HTTP API is the next port; 0 = any free)')
        .argParser(integer(0, 65534))
        .default(7790),
    )
    .addOption(
      new Option(
        '--kkt-port <port>',
        'HTTP port of the first emulated ККТ (the second uses the next; 0 = any free)',
      )
        .argParser(integer(0, 65534))
        .default(16732),
    )
    .addOption(
      new Option('--sell-every <ms>', 'each ККТ sells a receipt this often (0: no background selling)')
        .argParser(integer(0, 3_600_000))
        .default(5000),
    )
    .action(async (opts: { data: string; ofdPort: number; kktPort: number; sellEvery: number }) => {
      const dir = resolve(io.cwd, opts.data);
      mkdirSync(dir, { recursive: true });
      io.out(`OpenKassa sandbox (data in ${dir})\n\n`);
      io.out(await prepareStorage(join(dir, 'server.sqlite')));
      io.out(fiscalSelfCheck());

      const next = (p: number) => (p === 0 ? 0 : p + 1);
      const ofd = await startOfdEmulator({
        listen: { host: '127.0.0.1', port: opts.ofdPort },
        http: { host: '127.0.0.1', port: next(opts.ofdPort) },
        dataDir: join(dir, 'ofd'),
      });
      const kkts: RunningKktEmulator[] = [];
      for (const [i, fn] of SANDBOX_FNS.entries()) {
        kkts.push(
          await startKktEmulator({
            fn,
            ofd: ofd.tcp,
            http: { host: '127.0.0.1', port: opts.kktPort === 0 ? 0 : opts.kktPort + i },
            dataDir: join(dir, `kkt-${fn}`),
            ffd: i === 0 ? '1.2' : '1.05',
            retryMaxMs: 10_000,
          }),
        );
      }
      io.out(`  OFD       emulator: OFD protocol tcp://${ofd.tcp.host}:${ofd.tcp.port}\n`);
      io.out(
        `            received documents ${ofd.httpUrl}/api/v1/documents, fault switch ${ofd.httpUrl}/api/v1/faults\n`,
      );
      for (const [i, k] of kkts.entries()) {
        io.out(
          `  ККТ ${i + 1}     emulated ФН ${SANDBOX_FNS[i]}: ATOL JSON tasks ${k.httpUrl}/api/v2/requests, ФН status ${k.httpUrl}/api/v1/fn\n`,
        );
      }
      const seller =
        opts.sellEvery > 0
          ? backgroundSales(
              kkts.map((k) => k.httpUrl),
              opts.sellEvery,
              io,
            )
          : undefined;
      io.out(
        `\n  ${seller ? `Each ККТ sells a receipt every ${opts.sellEvery / 1000} s; ` : ''}the ККТ send their documents straight to the OFD emulator.\n` +
          `\nNot in the sandbox yet (they join as they are built):\n` +
          `  cash server with the fiscal relay, tills and their web UI, back office, processing centre, scales.\n` +
          `\nsandbox running; Ctrl+C stops it.\n`,
      );
      await stop();
      seller?.stop();
      await seller?.done;
      for (const k of kkts) await k.close();
      await ofd.close();
      io.out('sandbox stopped\n');
    });
}

async function prepareStorage(file: string): Promise<string> {
  const db = openDatabase<CoreSchema>({ kind: 'sqlite', file });
  try {
    const m = await db.migrate();
    const now = new Date().toISOString();
    await db.transaction(async (tx) => {
      const existing = await tx.db
        .selectFrom('app_meta')
        .select('value')
        .where('key', '=', 'instance_id')
        .executeTakeFirst();
      if (!existing)
        await tx.db
          .insertInto('app_meta')
          .values({ key: 'instance_id', value: randomUUID(), updated_at: now })
          .execute();
    });
    const id = await db.db
      .selectFrom('app_meta')
      .select('value')
      .where('key', '=', 'instance_id')
      .executeTakeFirstOrThrow();
    return `  storage   embedded SQLite ${file}\n            ${m.all.length} migration(s), ${m.applied.length} applied now; instance ${id.value}\n`;
  } finally {
    await db.close();
  }
}

/** Sells through the ATOL API the way a till does: a shift first, then a receipt now and then. */
function backgroundSales(urls: string[], everyMs: number, io: Io): { stop(): void; done: Promise<void> } {
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
  const goods = [
    { name: 'Хлеб бородинский', price: 62.9, tax: 'vat10' },
    { name: 'Молоко 3,2% 1 л', price: 94.5, tax: 'vat10' },
    { name: 'Кофе зерновой 1 кг', price: 1450, tax: 'vat22' },
    { name: 'Шоколад горький', price: 129.99, tax: 'vat22' },
  ];
  const post = async (url: string, request: unknown) => {
    const r = await fetch(`${url}/api/v2/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uuid: randomUUID(), request }),
    });
    if (r.status !== 201) throw new Error(`ККТ answered ${r.status}`);
  };
  const SHIFT_MS = 12 * 3600_000; // well inside the 24-hour limit of a shift
  const cashier = { name: 'Кассир Демо' };
  const done = (async () => {
    let n = 0;
    let shiftOpenedAt = 0;
    const isStopped = () => stopped; // read after awaits; a plain check would be narrowed away
    while (!isStopped()) {
      await sleep(everyMs);
      if (isStopped()) break;
      // Separate requests: a failed close (no shift was open) must not stop the open or the sale.
      const rotate = Date.now() - shiftOpenedAt > SHIFT_MS;
      if (rotate) shiftOpenedAt = Date.now();
      for (const url of urls) {
        if (rotate) {
          await post(url, { type: 'closeShift', operator: cashier }).catch(() => undefined);
          await post(url, { type: 'openShift', operator: cashier }).catch(() => undefined);
        }
        const g = goods[n++ % goods.length]!;
        const qty = 1 + (n % 3);
        const amount = Math.round(g.price * qty * 100) / 100;
        const sale = {
          type: 'sell',
          operator: cashier,
          items: [
            { type: 'position', name: g.name, price: g.price, quantity: qty, amount, tax: { type: g.tax } },
          ],
          payments: [{ type: n % 2 ? 'cash' : 'electronically', sum: amount }],
        };
        await post(url, sale).catch((e: unknown) => {
          io.err(`sandbox: background sale failed: ${e instanceof Error ? e.message : String(e)}\n`);
        });
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
