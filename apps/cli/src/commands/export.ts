import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { CatalogCategory, CatalogPage, CatalogProduct } from '@openkassa/contracts';
import type { StoreDaySales } from '@openkassa/server';
import { progress, type Io } from '../io.js';
import { httpUrl } from '../options.js';
import { authHeader, withLogin, type ServerLogin } from '../server-client.js';

const day = (v: string): string => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v)))
    throw new InvalidArgumentError(`expected a day YYYY-MM-DD, got "${v}"`);
  return v;
};

const nextDay = (d: string) => new Date(Date.parse(d) + 86_400_000).toISOString().slice(0, 10);

class ExportError extends Error {}

async function getJson<T>(server: string, path: string, auth: Record<string, string>): Promise<T> {
  let res: Response;
  try {
    res = await fetch(new URL(path, server), { headers: auth });
  } catch (e) {
    throw new ExportError(`cannot reach ${server}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const body = (await res.json()) as T & { error?: { message: string } };
  if (!res.ok) throw new ExportError(`the server refused: ${body.error?.message ?? res.status}`);
  return body;
}

function fail(io: Io, e: unknown): void {
  io.err(`\nopenkassa export: ${e instanceof Error ? e.message : String(e)}\n`);
  io.setExitCode(1);
}

/** `openkassa export sales|catalog`: files for 1C (CommerceML 2) and spreadsheets (CSV). */
export function exportCommand(io: Io): Command {
  const format = () =>
    new Option('--format <format>', 'cml (CommerceML 2, for 1C) or csv')
      .choices(['cml', 'csv'])
      .default('cml');
  const server = () =>
    new Option('--server <url>', 'the cash server (head office or store)')
      .argParser(httpUrl)
      .makeOptionMandatory();

  const sales = withLogin(new Command('sales'))
    .description('Sales and returns per day and store, with goods, receipts and payments')
    .addOption(server())
    .addOption(new Option('--from <day>', 'first day (YYYY-MM-DD)').argParser(day).makeOptionMandatory())
    .addOption(new Option('--to <day>', 'last day (YYYY-MM-DD)').argParser(day).makeOptionMandatory())
    .addOption(new Option('--store <code>', 'one store only'))
    .addOption(format())
    .addOption(new Option('--out <file>', 'where to write').makeOptionMandatory())
    .action(
      async (
        o: {
          server: string;
          from: string;
          to: string;
          store?: string;
          format: string;
          out: string;
        } & ServerLogin,
      ) => {
        const { salesCommerceMl, salesCsv } = await import('@openkassa/server');
        if (o.from > o.to) {
          io.err('openkassa export: --from is after --to\n');
          io.setExitCode(2);
          return;
        }
        const days: string[] = [];
        for (let d = o.from; d <= o.to; d = nextDay(d)) days.push(d);
        const all: StoreDaySales[] = [];
        try {
          const auth = await authHeader(o.server, o);
          for (const [i, d] of days.entries()) {
            progress(io, 'exporting', i, days.length);
            const q = new URLSearchParams({
              from: d,
              to: d,
              ...(o.store !== undefined && { store: o.store }),
            });
            all.push(
              ...(await getJson<{ days: StoreDaySales[] }>(o.server, `/api/v1/exchange/sales?${q}`, auth))
                .days,
            );
          }
        } catch (e) {
          fail(io, e);
          return;
        }
        progress(io, 'exporting', days.length, days.length);
        io.err('\n');
        const file = resolve(io.cwd, o.out);
        writeFileSync(
          file,
          o.format === 'csv' ? salesCsv(all) : salesCommerceMl(all, new Date().toISOString()),
        );
        const stores = new Set(all.map((g) => g.store));
        const sum = (kind: string) => all.filter((g) => g.kind === kind).reduce((s, g) => s + g.total, 0);
        io.out(
          `exported ${all.length} document(s) for ${stores.size} store(s) over ${days.length} day(s): ` +
            `sales ${(sum('sale') / 100).toFixed(2)}, returns ${(sum('return') / 100).toFixed(2)} → ${file}\n`,
        );
      },
    );

  const catalog = withLogin(new Command('catalog'))
    .description('The catalogue (goods, groups, base prices) as 1C imports it, or as CSV')
    .addOption(server())
    .addOption(format())
    .addOption(
      new Option(
        '--out <path>',
        'a folder for import.xml and offers.xml (cml), or a file (csv)',
      ).makeOptionMandatory(),
    )
    .action(async (o: { server: string; format: string; out: string } & ServerLogin) => {
      // loaded here: --help and the other commands start without the server's code
      const [{ catalogCategory, catalogProduct }, { writeCatalogCsv, writeCommerceMl }] = await Promise.all([
        import('@openkassa/contracts'),
        import('@openkassa/server'),
      ]);
      const items = new Map<string, { kind: string; data: unknown }>();
      try {
        const auth = await authHeader(o.server, o);
        for (let since = 0; ;) {
          const page = await getJson<CatalogPage>(
            o.server,
            `/api/v1/catalog/changes?since=${since}&limit=20000`,
            auth,
          );
          for (const c of page.changes) {
            const key = `${c.kind}\u0000${c.id}`;
            if (c.deleted) items.delete(key);
            else items.set(key, { kind: c.kind, data: c.data });
          }
          progress(io, 'reading catalogue', page.cursor, page.head);
          if (page.cursor >= page.head || page.changes.length === 0) break;
          since = page.cursor;
        }
      } catch (e) {
        fail(io, e);
        return;
      }
      io.err('\n');
      const categories: CatalogCategory[] = [];
      const products: CatalogProduct[] = [];
      for (const { kind, data } of items.values()) {
        if (kind === 'category') categories.push(catalogCategory.parse(data));
        if (kind === 'product') products.push(catalogProduct.parse(data));
      }
      const out = resolve(io.cwd, o.out);
      if (o.format === 'csv') writeFileSync(out, writeCatalogCsv(categories, products));
      else {
        mkdirSync(out, { recursive: true });
        const { importXml, offersXml } = writeCommerceMl(categories, products, new Date().toISOString());
        writeFileSync(join(out, 'import.xml'), importXml);
        writeFileSync(join(out, 'offers.xml'), offersXml);
      }
      io.out(`exported ${categories.length} categories and ${products.length} products → ${out}\n`);
    });

  return new Command('export')
    .description(
      'Write sales or the catalogue of a cash server to files for 1C (CommerceML 2) or spreadsheets (CSV)',
    )
    .addCommand(sales)
    .addCommand(catalog);
}
