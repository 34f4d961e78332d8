import { mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
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
import type { Io } from '../io.js';

/**
 * The sandbox of `npm start`. It runs what exists of the product so far and says plainly what
 * does not exist yet; each later part (emulators, servers, tills) joins it as it is built.
 */
export function sandboxCommand(io: Io): Command {
  return new Command('sandbox')
    .description(
      'Run the sandbox: whatever parts of OpenKassa exist so far, on embedded SQLite, saying what runs where',
    )
    .addOption(new Option('--data <dir>', 'sandbox data folder').default('.sandbox'))
    .action(async (opts: { data: string }) => {
      const dir = resolve(io.cwd, opts.data);
      mkdirSync(dir, { recursive: true });
      const file = resolve(dir, 'server.sqlite');
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
          await tx.db
            .insertInto('app_meta')
            .values({ key: 'sandbox_started_at', value: now, updated_at: now })
            .onConflict((oc) => oc.column('key').doUpdateSet({ value: now, updated_at: now }))
            .execute();
        });
        const id = await db.db
          .selectFrom('app_meta')
          .select('value')
          .where('key', '=', 'instance_id')
          .executeTakeFirstOrThrow();
        io.out(`OpenKassa sandbox\n\n`);
        io.out(`  storage   embedded SQLite ${file}\n`);
        io.out(
          `            ${m.all.length} migration(s), ${m.applied.length} applied now; instance ${id.value}\n`,
        );
        io.out(fiscalSelfCheck());
        io.out(
          `\nNot in the sandbox yet (they join as they are built):\n` +
            `  ККТ emulator and OFD emulator, cash server with the fiscal relay,\n` +
            `  tills and their web UI, back office, processing centre, scales.\n` +
            `\nTry: npx openkassa fiscal decode <file.hex>   (see npx openkassa --help)\n`,
        );
      } finally {
        await db.close();
      }
    });
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
