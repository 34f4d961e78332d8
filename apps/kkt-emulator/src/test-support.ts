/** Test helpers: a ФН on a fresh SQLite file with a clock the test moves. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '@openkassa/db';
import { EmulatedSigner } from '@openkassa/emulation';
import { decodeDocument, type FiscalDocument } from '@openkassa/fiscal';
import { FiscalDrive, type FfdMode } from './fn/fiscal-drive.js';
import { defaultRegistration } from './main.js';
import { kktMigrations, type KktSchema } from './store.js';

export class TestClock {
  t: number;
  constructor(iso = '2026-11-20T07:00:00.000Z') {
    this.t = Date.parse(iso);
  }
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export const HOUR = 3600_000;
export const DAY = 24 * HOUR;

export async function testDrive(
  ffd: FfdMode,
  fn = '9999000000000042',
  dir = mkdtempSync(join(tmpdir(), 'ok-fn-')),
) {
  const clock = new TestClock();
  const db: Database<KktSchema> = openDatabase<KktSchema>(
    { kind: 'sqlite', file: join(dir, 'kkt.sqlite'), checkNesting: true },
    { migrations: kktMigrations },
  );
  await db.migrate();
  const signer = new EmulatedSigner();
  const drive = new FiscalDrive({
    db,
    signer,
    clock,
    config: { fn, ffd, tzOffsetMinutes: 180, registration: defaultRegistration(fn) },
  });
  await drive.init();
  return { db, drive, clock, signer, dir };
}

export async function archive(
  db: Database<KktSchema>,
): Promise<{ fd: number; doc: FiscalDocument; message: Uint8Array }[]> {
  const rows = await db.db
    .selectFrom('fn_documents')
    .select(['fd', 'document', 'message'])
    .orderBy('fd')
    .execute();
  return rows.map((r) => {
    const d = decodeDocument(new Uint8Array(r.document));
    if (!d.ok) throw new Error(`ФД ${r.fd}: ${d.error.message}`);
    return { fd: r.fd, doc: d.value, message: new Uint8Array(r.message) };
  });
}
