import type { Kysely } from 'kysely';
import type { Database, MigrationList } from '@openkassa/db';

export interface OfdDocumentsTable {
  fn: string;
  fd: number;
  form: number;
  ffd: string | null;
  total: number | null;
  flk_ok: number;
  flk_json: string;
  fns_json: string | null;
  message: Uint8Array;
  answer_code: number;
  times_received: number;
  first_received_at: string;
  last_received_at: string;
}

export interface OfdSchema {
  ofd_documents: OfdDocumentsTable;
}

export const ofdMigrations: MigrationList = {
  '0001-ofd-documents': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('ofd_documents')
        .addColumn('fn', 'text', (c) => c.notNull())
        .addColumn('fd', 'integer', (c) => c.notNull())
        .addColumn('form', 'integer', (c) => c.notNull())
        .addColumn('ffd', 'text')
        .addColumn('total', 'bigint')
        .addColumn('flk_ok', 'integer', (c) => c.notNull())
        .addColumn('flk_json', 'text', (c) => c.notNull())
        .addColumn('fns_json', 'text')
        .addColumn('message', 'blob', (c) => c.notNull())
        .addColumn('answer_code', 'integer', (c) => c.notNull())
        .addColumn('times_received', 'integer', (c) => c.notNull())
        .addColumn('first_received_at', 'text', (c) => c.notNull())
        .addColumn('last_received_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('ofd_documents_pk', ['fn', 'fd'])
        .execute();
    },
  },
};

export interface ReceivedDocument {
  readonly fn: string;
  readonly fd: number;
  readonly form: number;
  readonly ffd: string | null;
  readonly total: number | null;
  readonly flkOk: boolean;
  readonly flkJson: string;
  readonly fnsJson: string | null;
  readonly message: Uint8Array;
  readonly answerCode: number;
}

/** Stores a document once per (ФН, ФД); a repeat only counts. Durable when it resolves. */
export async function recordReceived(
  db: Database<OfdSchema>,
  d: ReceivedDocument,
  now: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.db
      .insertInto('ofd_documents')
      .values({
        fn: d.fn,
        fd: d.fd,
        form: d.form,
        ffd: d.ffd,
        total: d.total,
        flk_ok: d.flkOk ? 1 : 0,
        flk_json: d.flkJson,
        fns_json: d.fnsJson,
        message: d.message,
        answer_code: d.answerCode,
        times_received: 1,
        first_received_at: now,
        last_received_at: now,
      })
      .onConflict((oc) =>
        oc.columns(['fn', 'fd']).doUpdateSet((eb) => ({
          times_received: eb('ofd_documents.times_received', '+', 1),
          last_received_at: now,
          answer_code: d.answerCode,
        })),
      )
      .execute();
  });
}

export interface DocumentQuery {
  readonly fn?: string;
  readonly afterFd?: number;
  readonly limit: number;
}

export function listDocuments(db: Database<OfdSchema>, q: DocumentQuery) {
  let sel = db.db.selectFrom('ofd_documents').selectAll().orderBy('fn').orderBy('fd').limit(q.limit);
  if (q.fn !== undefined) sel = sel.where('fn', '=', q.fn);
  if (q.afterFd !== undefined) sel = sel.where('fd', '>', q.afterFd);
  return sel.execute();
}

export async function documentStats(db: Database<OfdSchema>) {
  const rows = await db.db
    .selectFrom('ofd_documents')
    .select((eb) => [
      'fn',
      eb.fn.countAll<number>().as('documents'),
      eb.fn.sum<number>('times_received').as('received'),
      eb.fn.max('fd').as('maxFd'),
    ])
    .groupBy('fn')
    .orderBy('fn')
    .execute();
  return rows.map((r) => ({
    fn: r.fn,
    documents: r.documents,
    received: r.received,
    maxFd: r.maxFd,
  }));
}
