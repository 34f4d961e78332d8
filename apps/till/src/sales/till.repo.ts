import type { Database, Tx } from '@openkassa/db';
import { readSetting, writeSetting } from '../settings.js';
import type { DocumentsTable, TillSchema } from '../schema.js';

/** The till's documents and its shift state, as the sales operations read and write them. */

export interface ShiftState {
  readonly number: number;
  readonly open: boolean;
  readonly openedAt: string | null;
}

export async function readShift(db: Database<TillSchema>): Promise<ShiftState> {
  return (await readSetting<ShiftState>(db.db, 'shift')) ?? { number: 0, open: false, openedAt: null };
}

export async function writeShift(tx: Tx<TillSchema>, s: ShiftState): Promise<void> {
  await writeSetting(tx.db, 'shift', s);
}

export async function pendingCount(db: Database<TillSchema>): Promise<number> {
  const r = await db.db
    .selectFrom('documents')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('state', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The number the next document of this till takes. */
export async function nextNumber(tx: Tx<TillSchema>): Promise<number> {
  const last = await tx.db
    .selectFrom('documents')
    .select((eb) => eb.fn.max('number').as('n'))
    .executeTakeFirst();
  return (last?.n ?? 0) + 1;
}

export async function insertDocument(tx: Tx<TillSchema>, row: DocumentsTable): Promise<void> {
  await tx.db.insertInto('documents').values(row).execute();
}

/** Queues a finished document for the store server. */
export async function queueUpload(
  tx: Tx<TillSchema>,
  doc: Pick<DocumentsTable, 'id' | 'number'>,
): Promise<void> {
  await tx.db
    .insertInto('outbox')
    .values({ doc_id: doc.id, seq: doc.number, state: 'pending', last_error: null })
    .execute();
}

export async function findDocument(
  db: Database<TillSchema>,
  where: { number: number } | { id: string },
): Promise<DocumentsTable | undefined> {
  let q = db.db.selectFrom('documents').selectAll();
  q = 'id' in where ? q.where('id', '=', where.id) : q.where('number', '=', where.number);
  return q.executeTakeFirst();
}

export function recentDocuments(db: Database<TillSchema>, limit: number): Promise<DocumentsTable[]> {
  return db.db.selectFrom('documents').selectAll().orderBy('number', 'desc').limit(limit).execute();
}

/** Documents the ККТ has not settled yet, oldest first. */
export function pendingDocuments(db: Database<TillSchema>): Promise<DocumentsTable[]> {
  return db.db.selectFrom('documents').selectAll().where('state', '=', 'pending').orderBy('number').execute();
}

/** Count and sums per kind of the finished documents of a shift. */
export function shiftSums(db: Database<TillSchema>, shift: number) {
  return db.db
    .selectFrom('documents')
    .select((eb) => [
      'kind',
      eb.fn.countAll<number | string>().as('count'),
      eb.fn.sum<number | string>('total').as('total'),
      eb.fn.sum<number | string>('cash').as('cash'),
      eb.fn.sum<number | string>('card').as('card'),
    ])
    .where('shift', '=', shift)
    .where('state', '=', 'done')
    .groupBy('kind')
    .execute();
}

/** The returns made of a sale so far (failed ones aside): their lines and what went back to the card. */
export function returnsOf(db: Database<TillSchema>, originalId: string) {
  return db.db
    .selectFrom('documents')
    .select(['lines_json', 'card'])
    .where('original_id', '=', originalId)
    .where('state', '!=', 'failed')
    .execute();
}

/** A pending document the ККТ did not fiscalise. */
export async function markFailed(db: Database<TillSchema>, id: string, error: string): Promise<void> {
  await db.db
    .updateTable('documents')
    .set({ state: 'failed', error })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .execute();
}

/** A pending document the ККТ did: false if it was settled already. */
export async function markDone(
  tx: Tx<TillSchema>,
  doc: Pick<DocumentsTable, 'id' | 'shift' | 'fiscal_json' | 'kkt_totals_json' | 'doc_json'>,
): Promise<boolean> {
  const r = await tx.db
    .updateTable('documents')
    .set({
      state: 'done',
      shift: doc.shift,
      fiscal_json: doc.fiscal_json,
      kkt_totals_json: doc.kkt_totals_json,
      doc_json: doc.doc_json,
    })
    .where('id', '=', doc.id)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
