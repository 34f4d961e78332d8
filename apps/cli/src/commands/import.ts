import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { progress, type Io } from '../io.js';
import { httpUrl } from '../options.js';
import { authHeader, withLogin, type ServerLogin } from '../server-client.js';

const BATCH = 5000;

export function importCommand(io: Io): Command {
  const cmd = new Command('import')
    .description(
      'Load a catalogue into a head-office cash server: exported by 1C (CommerceML 2: import.xml and offers.xml) or a CSV table (goods.csv)',
    )
    .argument(
      '<import.xml|goods.csv>',
      'goods and groups (CommerceML 2), or goods as CSV (see docs/exchange.md)',
    )
    .argument('[offers.xml]', 'prices (CommerceML 2); without it goods come in with price 0')
    .addOption(
      new Option('--server <url>', 'the head-office cash server').argParser(httpUrl).makeOptionMandatory(),
    )
    .addOption(new Option('--price-type <name>', 'the price type of offers.xml to use (default: the first)'));
  return withLogin(cmd).action(
    async (
      importFile: string,
      offersFile: string | undefined,
      o: { server: string; priceType?: string } & ServerLogin,
    ) => {
      // loaded here: --help and the other commands start without the server's code
      const { CommerceMlError, CsvError, readCatalogCsv, readCommerceMl } = await import('@openkassa/server');
      let catalog;
      try {
        const read = (f: string) => readFileSync(resolve(io.cwd, f), 'utf8');
        catalog = /\.csv$/i.test(importFile)
          ? { ...readCatalogCsv(read(importFile)), unpriced: [], skipped: [] }
          : readCommerceMl(read(importFile), offersFile !== undefined ? read(offersFile) : undefined, {
              ...(o.priceType !== undefined && { priceType: o.priceType }),
            });
      } catch (e) {
        io.err(
          `openkassa import: ${e instanceof CommerceMlError || e instanceof CsvError ? e.message : e instanceof Error ? e.message : String(e)}\n`,
        );
        io.setExitCode(1);
        return;
      }
      const items = [
        ...catalog.categories.map((data) => ({ kind: 'category', data })),
        ...catalog.products.map((data) => ({ kind: 'product', data })),
      ];
      let head = 0;
      let auth: Record<string, string>;
      try {
        auth = await authHeader(o.server, o);
      } catch (e) {
        io.err(`openkassa import: ${e instanceof Error ? e.message : String(e)}\n`);
        io.setExitCode(1);
        return;
      }
      for (let i = 0; i < items.length; i += BATCH) {
        progress(io, 'importing', i, items.length);
        let res: Response;
        try {
          res = await fetch(new URL('/api/v1/catalog/items', o.server), {
            method: 'PUT',
            headers: { 'content-type': 'application/json', ...auth },
            body: JSON.stringify({ items: items.slice(i, i + BATCH) }),
          });
        } catch (e) {
          io.err(
            `\nopenkassa import: cannot reach ${o.server}: ${e instanceof Error ? e.message : String(e)}\n`,
          );
          io.setExitCode(1);
          return;
        }
        const body = (await res.json()) as { head?: number; error?: { message: string } };
        if (!res.ok) {
          io.err(
            `\nopenkassa import: the server refused items ${i + 1}..${Math.min(i + BATCH, items.length)}: ${body.error?.message ?? res.status}\n`,
          );
          io.setExitCode(1);
          return;
        }
        head = body.head ?? head;
      }
      progress(io, 'importing', items.length, items.length);
      io.err('\n');
      io.out(
        `imported ${catalog.categories.length} categories and ${catalog.products.length} products (catalogue version ${head})` +
          (catalog.unpriced.length > 0
            ? `; ${catalog.unpriced.length} without a price in offers.xml came in at 0`
            : '') +
          (catalog.skipped.length > 0
            ? `; skipped ${catalog.skipped.length}: ${catalog.skipped.slice(0, 3).join('; ')}`
            : '') +
          '\n',
      );
    },
  );
}
