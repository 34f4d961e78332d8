/**
 * bench/reports: a generated year of a chain's sales (scaled to what the machine holds; the
 * scale is printed) ingested into a cash server database on SQLite and on PostgreSQL, then every
 * sales report over the whole year timed, next to the raw limit: the same totals by a plain
 * GROUP BY over the detail rows of the same database, measured in the same run.
 *
 *   npm run bench:reports -- [--stores 100] [--receipts-per-day 8]
 */
import { sql } from 'kysely';
import type { SalesDocument } from '@openkassa/contracts';
import { openDatabase, type Database } from '@openkassa/db';
import { createTestDatabase } from '@openkassa/db/testing';
import { join } from 'node:path';
import { serverDbOptions } from '../../apps/server/src/migrations/index.js';
import { SalesIngest } from '../../apps/server/src/sales/sales.service.js';
import { CatalogService } from '../../apps/server/src/catalog/catalog.service.js';
import { DIMENSIONS, salesReport } from '../../apps/server/src/reports/reports.repo.js';
import type { ServerSchema } from '../../apps/server/src/schema.js';
import { tempDir } from '../../test/e2e/support.js';
import { cashierReport, shiftsReport } from '../../apps/server/src/reports/shifts.js';
import { storeDaySales } from '../../apps/server/src/exchange/sales-export.js';
import { numberArg, runBench } from '../support.js';

const STORES = numberArg('stores', 100);
const PER_DAY = numberArg('receipts-per-day', 8);
const PRODUCTS = 2000;
const DAYS = 365;

function* year(): Generator<SalesDocument> {
  let n = 0;
  const start = Date.UTC(2025, 0, 1);
  for (let d = 0; d < DAYS; d++) {
    const day = new Date(start + d * 86_400_000).toISOString().slice(0, 10);
    for (let s = 0; s < STORES; s++)
      for (let i = 0; i < PER_DAY; i++) {
        n++;
        const lines = Array.from({ length: 1 + (n % 4) }, (_, k) => {
          const p = (n * 31 + k * 17) % PRODUCTS;
          const price = 1000 + ((p * 97) % 50_000);
          const qty = 1 + ((n + k) % 3);
          return {
            productId: `p${p}`,
            name: `Товар ${p}`,
            quantity: String(qty),
            price,
            sum: price * qty,
            vat: 11,
          };
        });
        const total = lines.reduce((a, l) => a + l.sum, 0);
        const card = n % 2 ? total : 0;
        yield {
          id: crypto.randomUUID(),
          store: `S${s}`,
          till: `T${i % 3}`,
          kind: n % 25 === 0 ? 'return' : 'sale',
          at: `${day}T${String(8 + (n % 14)).padStart(2, '0')}:00:00+03:00`,
          shift: d + 1,
          number: n,
          cashier: `Кассир ${(s * 3 + (i % 3)) % 500}`,
          total,
          lines,
          payments: { cash: total - card, card },
        };
      }
  }
}

async function run(kind: 'sqlite' | 'postgres') {
  const t = kind === 'postgres' ? await createTestDatabase('postgres') : undefined;
  const db: Database<ServerSchema> = openDatabase<ServerSchema>(
    t?.config ?? { kind: 'sqlite', file: join(tempDir('bench-reports'), 'server.sqlite') },
    serverDbOptions,
  );
  try {
    await db.migrate();
    const catalog = new CatalogService(db, { mirror: false });
    await catalog.edit({
      items: [
        ...Array.from({ length: 20 }, (_, c) => ({
          kind: 'category',
          data: { id: `c${c}`, name: `Категория ${c}`, ...(c >= 5 && { parentId: `c${c % 5}` }) },
        })),
        ...Array.from({ length: PRODUCTS }, (_, p) => ({
          kind: 'product',
          data: { id: `p${p}`, name: `Товар ${p}`, vat: 11, price: 1000, categoryId: `c${p % 20}` },
        })),
      ],
    });
    const ingest = new SalesIngest(db, { clock: { now: () => new Date() }, forwardUpstream: false });
    let batch: SalesDocument[] = [];
    let receipts = 0;
    const t0 = performance.now();
    const pending: Promise<unknown>[] = [];
    for (const d of year()) {
      batch.push(d);
      receipts++;
      if (batch.length === 500) {
        pending.push(ingest.ingest({ documents: batch }));
        batch = [];
        if (pending.length >= 8) await Promise.all(pending.splice(0));
      }
    }
    if (batch.length) pending.push(ingest.ingest({ documents: batch }));
    await Promise.all(pending);
    const ingestS = (performance.now() - t0) / 1000;
    const times: string[] = [];
    let worst = 0;
    const timed = async (label: string, fn: () => Promise<number>) => {
      const r0 = performance.now();
      const n = await fn();
      const ms = performance.now() - r0;
      worst = Math.max(worst, ms);
      times.push(`${label} ${ms.toFixed(0)} ms (${n} rows)`);
    };
    const wholeYear = { from: '2025-01-01', to: '2025-12-31' };
    for (const by of DIMENSIONS)
      await timed(by, async () => (await salesReport(db, { by, ...wholeYear })).length);
    await timed('cashiers', async () => (await cashierReport(db, wholeYear)).length);
    await timed(
      'shifts of a month',
      async () => (await shiftsReport(db, { from: '2025-06-01', to: '2025-06-30' })).length,
    );
    await timed(
      'shifts of the year, a page',
      async () => (await shiftsReport(db, { ...wholeYear, limit: 1000 })).length,
    );
    await timed('shifts of the year, all', async () => (await shiftsReport(db, wholeYear)).length);
    await timed('export of a day', async () => (await storeDaySales(db, '2025-06-15', '2025-06-15')).length);
    // The raw limit: the store totals straight from the detail rows.
    const r0 = performance.now();
    await sql`select store, kind, count(*), sum(total) from sales_documents group by store, kind`.execute(
      db.db,
    );
    const rawMs = performance.now() - r0;
    console.log(
      `\n${kind}: ${receipts} receipts (${STORES} stores × ${DAYS} days × ${PER_DAY}) ingested in ${ingestS.toFixed(0)} s\n` +
        `  reports over the year: ${times.join(', ')}\n` +
        `  slowest ${worst.toFixed(0)} ms (target < 500 ms); raw GROUP BY store over the detail rows: ${rawMs.toFixed(0)} ms`,
    );
  } finally {
    await db.close();
    await t?.drop();
  }
}

async function main() {
  console.log(
    `bench/reports: a year of ${STORES} stores, ${PER_DAY} receipts per store and day, node ${process.version}`,
  );
  await run('sqlite');
  await run('postgres');
}

runBench(main);
