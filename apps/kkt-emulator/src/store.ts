import type { Kysely } from 'kysely';
import type { MigrationList } from '@openkassa/db';

/** One row: the ФН's registration, counters and shift state. */
export interface FnStateTable {
  fn: string;
  ffd: string;
  registration_json: string;
  last_fd: number;
  shift_number: number;
  shift_open: number;
  /** UTC instant the shift was opened (the 24-hour rule counts real time). */
  shift_opened_at: string | null;
  receipts_in_shift: number;
  docs_in_shift: number;
  cash_in_drawer: number;
  shift_totals_json: string;
  fn_totals_json: string;
}

/** The ФН archive: every document, its message for the OFD and its confirmation. */
export interface FnDocumentsTable {
  fd: number;
  form: number;
  fiscal_time: number;
  created_at: string;
  shift_number: number;
  document: Uint8Array;
  message: Uint8Array;
  confirmed_at: string | null;
  answer_code: number | null;
  answer: Uint8Array | null;
  attempts: number;
  last_error: string | null;
}

/** ATOL web-server requests and their results, so a result survives a restart. */
export interface KktRequestsTable {
  uuid: string;
  number: number;
  tasks_json: string;
  results_json: string;
  state: string;
  created_at: string;
  updated_at: string;
}

export interface KktSchema {
  fn_state: FnStateTable;
  fn_documents: FnDocumentsTable;
  kkt_requests: KktRequestsTable;
}

export const kktMigrations: MigrationList = {
  '0001-fn-and-requests': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('fn_state')
        .addColumn('fn', 'text', (c) => c.primaryKey())
        .addColumn('ffd', 'text', (c) => c.notNull())
        .addColumn('registration_json', 'text', (c) => c.notNull())
        .addColumn('last_fd', 'integer', (c) => c.notNull())
        .addColumn('shift_number', 'integer', (c) => c.notNull())
        .addColumn('shift_open', 'integer', (c) => c.notNull())
        .addColumn('shift_opened_at', 'text')
        .addColumn('receipts_in_shift', 'integer', (c) => c.notNull())
        .addColumn('docs_in_shift', 'integer', (c) => c.notNull())
        .addColumn('cash_in_drawer', 'bigint', (c) => c.notNull())
        .addColumn('shift_totals_json', 'text', (c) => c.notNull())
        .addColumn('fn_totals_json', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('fn_documents')
        .addColumn('fd', 'integer', (c) => c.primaryKey())
        .addColumn('form', 'integer', (c) => c.notNull())
        .addColumn('fiscal_time', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('shift_number', 'integer', (c) => c.notNull())
        .addColumn('document', 'blob', (c) => c.notNull())
        .addColumn('message', 'blob', (c) => c.notNull())
        .addColumn('confirmed_at', 'text')
        .addColumn('answer_code', 'integer')
        .addColumn('answer', 'blob')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .execute();
      await db.schema
        .createIndex('fn_documents_unconfirmed')
        .on('fn_documents')
        .columns(['confirmed_at', 'fd'])
        .execute();
      await db.schema
        .createTable('kkt_requests')
        .addColumn('uuid', 'text', (c) => c.primaryKey())
        .addColumn('number', 'integer', (c) => c.notNull().unique())
        .addColumn('tasks_json', 'text', (c) => c.notNull())
        .addColumn('results_json', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('kkt_requests_pending')
        .on('kkt_requests')
        .columns(['state', 'number'])
        .execute();
    },
  },
};
