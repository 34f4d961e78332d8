import { searchText } from './catalog/index.js';
import { sql, type Kysely, type SchemaModule } from 'kysely';
import { DocumentsDigest, entryHash, GENESIS } from './audit/index.js';
import {
  migrations as core,
  type MigrationContext,
  type MigrationList,
  type OpenOptions,
} from '@openkassa/db';

/** Byte columns: bytea on PostgreSQL, blob on SQLite. */
const bytes = (ctx: MigrationContext) => (ctx.dialect === 'postgres' ? sql`bytea` : sql`blob`);

/** The money columns of the shift sums (as migration 0009 made them). */
const SHIFT_SUMS = [
  'sale_count',
  'sale_total',
  'sale_cash',
  'sale_card',
  'return_count',
  'return_total',
  'return_cash',
  'return_card',
  'cash_in',
  'cash_out',
] as const;

/** Till documents as the server stores them; the same table in the archive. */
const salesDocumentsTable = (schema: SchemaModule) =>
  schema
    .createTable('sales_documents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('store', 'text', (c) => c.notNull())
    .addColumn('till', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('shift', 'integer', (c) => c.notNull())
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('cashier', 'text', (c) => c.notNull())
    .addColumn('total', 'bigint', (c) => c.notNull())
    .addColumn('cash', 'bigint', (c) => c.notNull())
    .addColumn('card', 'bigint', (c) => c.notNull())
    .addColumn('original_id', 'text')
    .addColumn('fn', 'text')
    .addColumn('fd', 'integer')
    .addColumn('payload_hash', 'text', (c) => c.notNull())
    .addColumn('payload_json', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull());

/** Their lines; the same table in the archive. */
const salesLinesTable = (schema: SchemaModule) =>
  schema
    .createTable('sales_lines')
    .addColumn('doc_id', 'text', (c) => c.notNull())
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('product_id', 'text')
    .addColumn('barcode', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('quantity', 'text', (c) => c.notNull())
    .addColumn('price', 'bigint', (c) => c.notNull())
    .addColumn('sum', 'bigint', (c) => c.notNull())
    .addColumn('vat', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('sales_lines_pk', ['doc_id', 'line_no']);

/**
 * Stored documents are never changed, and removed only by the move to the archive: the database
 * itself refuses the rest, so no program of ours, and no slip at a database prompt, rewrites a
 * sale. (Someone able to drop the triggers is caught by `openkassa audit verify`.)
 */
async function immutability(db: Kysely<unknown>, ctx: MigrationContext, archive: string) {
  const never = 'is never changed or deleted: a correction is a new document';
  if (ctx.dialect === 'sqlite') {
    const refuse = (name: string, when: string, table: string, why: string, schema = '') =>
      sql.raw(`create trigger ${schema}${name} before ${when} on ${table}
        begin select raise(abort, '${table}: ${why}'); end`);
    const statements = [
      refuse('sales_documents_no_update', 'update', 'sales_documents', never),
      refuse('sales_lines_no_update', 'update', 'sales_lines', never),
      refuse('sales_documents_no_update', 'update', 'sales_documents', never, `${archive}.`),
      refuse('sales_documents_no_delete', 'delete', 'sales_documents', never, `${archive}.`),
      refuse('sales_lines_no_update', 'update', 'sales_lines', never, `${archive}.`),
      refuse('sales_lines_no_delete', 'delete', 'sales_lines', never, `${archive}.`),
      refuse('audit_log_no_update', 'update', 'audit_log', 'the audit log is append-only'),
      refuse('audit_log_no_delete', 'delete', 'audit_log', 'the audit log is append-only'),
      refuse('fiscal_documents_no_update', 'update', 'fiscal_documents', never),
      refuse('fiscal_documents_no_delete', 'delete', 'fiscal_documents', never),
      refuse('fiscal_items_no_update', 'update', 'fiscal_items', never),
      refuse('fiscal_items_no_delete', 'delete', 'fiscal_items', never),
      refuse('fiscal_messages_no_delete', 'delete', 'fiscal_messages', never),
      // the relay moves a message through its delivery states; the message itself stays as received
      sql.raw(`create trigger fiscal_messages_as_received before update of fn, fd, form, message, first_received_at
        on fiscal_messages when new.fn is not old.fn or new.fd is not old.fd or new.form is not old.form
          or new.message is not old.message or new.first_received_at is not old.first_received_at
        begin select raise(abort, 'fiscal_messages: a message is kept as received'); end`),
    ];
    for (const q of statements) await q.execute(db);
    return;
  }
  await sql
    .raw(
      `create function openkassa_refuse() returns trigger language plpgsql as $$
    begin raise exception '%: %', TG_TABLE_NAME, TG_ARGV[0]; end $$`,
    )
    .execute(db);
  // live detail leaves only for the archive, and only once the archive holds it
  await sql
    .raw(
      `create function openkassa_sales_moved() returns trigger language plpgsql as $$
    begin
      if TG_TABLE_NAME = 'sales_documents' then
        if not exists (select 1 from "${archive}".sales_documents a where a.id = old.id) then
          raise exception 'sales_documents: ${never}';
        end if;
      elsif not exists (select 1 from "${archive}".sales_lines a where a.doc_id = old.doc_id and a.line_no = old.line_no) then
        raise exception 'sales_lines: ${never}';
      end if;
      return old;
    end $$`,
    )
    .execute(db);
  const trigger = (name: string, when: string, table: string, fn: string) =>
    sql
      .raw(`create trigger ${name} before ${when} on ${table} for each row execute function ${fn}`)
      .execute(db);
  const refuse = (why: string) => `openkassa_refuse('${why}')`;
  await trigger('sales_documents_no_update', 'update', 'sales_documents', refuse(never));
  await trigger('sales_lines_no_update', 'update', 'sales_lines', refuse(never));
  await trigger('sales_documents_moved', 'delete', 'sales_documents', 'openkassa_sales_moved()');
  await trigger('sales_lines_moved', 'delete', 'sales_lines', 'openkassa_sales_moved()');
  for (const t of ['sales_documents', 'sales_lines'])
    await trigger(`${t}_kept`, 'update or delete', `"${archive}".${t}`, refuse(never));
  await trigger(
    'audit_log_append_only',
    'update or delete',
    'audit_log',
    refuse('the audit log is append-only'),
  );
  await trigger('fiscal_documents_kept', 'update or delete', 'fiscal_documents', refuse(never));
  await trigger('fiscal_items_kept', 'update or delete', 'fiscal_items', refuse(never));
  await trigger('fiscal_messages_kept', 'delete', 'fiscal_messages', refuse(never));
  await sql
    .raw(
      `create trigger fiscal_messages_as_received before update of fn, fd, form, message, first_received_at
    on fiscal_messages for each row
    when (new.fn is distinct from old.fn or new.fd is distinct from old.fd or new.form is distinct from old.form
      or new.message is distinct from old.message or new.first_received_at is distinct from old.first_received_at)
    execute function openkassa_refuse('a message is kept as received')`,
    )
    .execute(db);
}

/** Document and line reads that span the live tables and the archive (`all_sales_*`). */
function archiveViews(live: string, archive: string): string[] {
  return [
    `view all_sales_documents as select * from ${live}sales_documents
      union all select a.* from ${archive}.sales_documents a
        where not exists (select 1 from ${live}sales_documents m where m.id = a.id)`,
    `view all_sales_lines as select * from ${live}sales_lines
      union all select a.* from ${archive}.sales_lines a
        where not exists (select 1 from ${live}sales_documents m where m.id = a.doc_id)`,
  ];
}

/** SQLite keeps views over an attached file per connection: run on every connection. */
export const serverSqliteConnect = archiveViews('main.', 'archive').map(
  (v) => `create temp ${v.replace(/^view /, 'view if not exists ')}`,
);

/** The cash server's schema: the core list plus the server's own, in order. */
export const serverMigrations: MigrationList = {
  ...core,
  '0002-fiscal-relay': {
    async up(db: Kysely<unknown>, ctx: MigrationContext) {
      await db.schema
        .createTable('fiscal_messages')
        .addColumn('fn', 'text', (c) => c.notNull())
        .addColumn('fd', 'integer', (c) => c.notNull())
        .addColumn('form', 'integer', (c) => c.notNull())
        .addColumn('message', bytes(ctx), (c) => c.notNull())
        .addColumn('first_received_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('times_received', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .addColumn('claimed_by', 'text')
        .addColumn('claimed_until', 'text')
        .addColumn('forwarded_at', 'text')
        .addColumn('answer', bytes(ctx))
        .addColumn('answer_code', 'integer')
        .addColumn('answered_at', 'text')
        .addColumn('last_error', 'text')
        .addPrimaryKeyConstraint('fiscal_messages_pk', ['fn', 'fd'])
        .execute();
      // Only pending rows: the forwarder's "what is due" query stays small as answered rows pile up.
      await db.schema
        .createIndex('fiscal_messages_pending')
        .on('fiscal_messages')
        .column('next_attempt_at')
        .where(sql<boolean>`state <> 'answered'`)
        .execute();
      await db.schema
        .createIndex('fiscal_messages_fn_state')
        .on('fiscal_messages')
        .columns(['fn', 'state'])
        .execute();
    },
  },
  '0003-fiscal-documents': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('fiscal_documents')
        .addColumn('fn', 'text', (c) => c.notNull())
        .addColumn('fd', 'integer', (c) => c.notNull())
        .addColumn('form', 'integer', (c) => c.notNull())
        .addColumn('ffd', 'text')
        .addColumn('fiscal_time', 'bigint')
        .addColumn('shift_number', 'integer')
        .addColumn('receipt_number', 'integer')
        .addColumn('operation_type', 'integer')
        .addColumn('total', 'bigint')
        .addColumn('cash', 'bigint')
        .addColumn('ecash', 'bigint')
        .addColumn('prepaid', 'bigint')
        .addColumn('credit', 'bigint')
        .addColumn('provision', 'bigint')
        .addColumn('kkt_reg_id', 'text')
        .addColumn('user_inn', 'text')
        .addColumn('cashier', 'text')
        .addColumn('flk_ok', 'integer', (c) => c.notNull())
        .addColumn('flk_json', 'text', (c) => c.notNull())
        .addColumn('fns_json', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('fiscal_documents_pk', ['fn', 'fd'])
        .execute();
      await db.schema
        .createIndex('fiscal_documents_time')
        .on('fiscal_documents')
        .columns(['fn', 'fiscal_time'])
        .execute();
      await db.schema
        .createTable('fiscal_items')
        .addColumn('fn', 'text', (c) => c.notNull())
        .addColumn('fd', 'integer', (c) => c.notNull())
        .addColumn('line_no', 'integer', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('price', 'bigint')
        .addColumn('quantity', 'text')
        .addColumn('sum', 'bigint')
        .addColumn('vat_rate', 'integer')
        .addColumn('vat_sum', 'bigint')
        .addColumn('payment_method', 'integer')
        .addColumn('product_type', 'integer')
        .addColumn('measure', 'integer')
        .addPrimaryKeyConstraint('fiscal_items_pk', ['fn', 'fd', 'line_no'])
        .execute();
    },
  },
  '0004-sales': {
    async up(db: Kysely<unknown>) {
      await salesDocumentsTable(db.schema).execute();
      await db.schema
        .createIndex('sales_documents_shift')
        .on('sales_documents')
        .columns(['store', 'till', 'shift'])
        .execute();
      await db.schema
        .createIndex('sales_documents_day')
        .on('sales_documents')
        .columns(['day', 'store'])
        .execute();
      await salesLinesTable(db.schema).execute();
      // Documents a store server still has to hand to its head office, written with the document.
      await db.schema
        .createTable('sales_outbox')
        .addColumn('doc_id', 'text', (c) => c.primaryKey())
        .addColumn('queued_at', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .execute();
      await db.schema
        .createIndex('sales_outbox_pending')
        .on('sales_outbox')
        .columns(['queued_at', 'doc_id'])
        .where(sql<boolean>`state = 'pending'`)
        .execute();
    },
  },
  '0005-catalog': {
    async up(db: Kysely<unknown>) {
      // Master data as a versioned change feed: every item carries the version of its last change.
      await db.schema
        .createTable('catalog_items')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('version', 'bigint', (c) => c.notNull())
        .addColumn('deleted', 'integer', (c) => c.notNull())
        /** For prices: the scope ("*", "store:S1", "group:g"), so a till's feed can be filtered. */
        .addColumn('scope', 'text')
        .addColumn('data_json', 'text')
        .addPrimaryKeyConstraint('catalog_items_pk', ['kind', 'id'])
        .execute();
      await db.schema.createIndex('catalog_items_version').on('catalog_items').column('version').execute();
      // One row: the newest version. Writers lock it, so versions commit in order.
      await db.schema
        .createTable('catalog_head')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('version', 'bigint', (c) => c.notNull())
        .execute();
      await sql`insert into catalog_head (id, version) values (1, 0)`.execute(db);
    },
  },
  '0006-sales-rollups': {
    async up(db: Kysely<unknown>) {
      // A product's category, so reports can roll sales up the category tree in SQL.
      await db.schema.alterTable('catalog_items').addColumn('category', 'text').execute();
      // Sums kept current on ingest, so reports over a year read these instead of every line.
      await db.schema
        .createTable('sales_rollup_docs')
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('hour', 'integer', (c) => c.notNull())
        .addColumn('store', 'text', (c) => c.notNull())
        .addColumn('till', 'text', (c) => c.notNull())
        .addColumn('cashier', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addColumn('total', 'bigint', (c) => c.notNull())
        .addColumn('cash', 'bigint', (c) => c.notNull())
        .addColumn('card', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('sales_rollup_docs_pk', ['day', 'hour', 'store', 'till', 'cashier', 'kind'])
        .execute();
      await db.schema
        .createTable('sales_rollup_lines')
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('store', 'text', (c) => c.notNull())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        /** Quantity in thousandths (grams for weighed goods), exact. */
        .addColumn('qty_milli', 'bigint', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('sales_rollup_lines_pk', ['day', 'store', 'product_id', 'kind'])
        .execute();
    },
  },
  '0007-monthly-rollups': {
    async up(db: Kysely<unknown>) {
      // Month sums for reports over long periods: chain-wide per product, and per till and
      // cashier without the hour, so a year reads twelve rows per key instead of 365 × hours.
      await db.schema
        .createTable('sales_rollup_docs_m')
        .addColumn('month', 'text', (c) => c.notNull())
        .addColumn('store', 'text', (c) => c.notNull())
        .addColumn('till', 'text', (c) => c.notNull())
        .addColumn('cashier', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addColumn('total', 'bigint', (c) => c.notNull())
        .addColumn('cash', 'bigint', (c) => c.notNull())
        .addColumn('card', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('sales_rollup_docs_m_pk', ['month', 'store', 'till', 'cashier', 'kind'])
        .execute();
      await db.schema
        .createTable('sales_rollup_products_m')
        .addColumn('month', 'text', (c) => c.notNull())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('qty_milli', 'bigint', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('sales_rollup_products_m_pk', ['month', 'product_id', 'kind'])
        .execute();
      await sql`insert into sales_rollup_docs_m (month, store, till, cashier, kind, count, total, cash, card)
        select substr(day, 1, 7), store, till, cashier, kind, sum(count), sum(total), sum(cash), sum(card)
        from sales_rollup_docs group by substr(day, 1, 7), store, till, cashier, kind`.execute(db);
      await sql`insert into sales_rollup_products_m (month, product_id, kind, name, qty_milli, amount)
        select substr(day, 1, 7), product_id, kind, max(name), sum(qty_milli), sum(amount)
        from sales_rollup_lines group by substr(day, 1, 7), product_id, kind`.execute(db);
    },
  },
  '0008-devices': {
    async up(db: Kysely<unknown>) {
      // Tills, store servers and scales as they report themselves, and commands waiting for them.
      await db.schema
        .createTable('devices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('store', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('first_seen_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('status_json', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('devices_store').on('devices').column('store').execute();
      await db.schema
        .createTable('device_commands')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('payload_json', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('delivered_at', 'text')
        .addColumn('done_at', 'text')
        .addColumn('result_json', 'text')
        .execute();
      await db.schema
        .createIndex('device_commands_device')
        .on('device_commands')
        .columns(['device_id', 'state'])
        .execute();
    },
  },
  '0009-chain-hour-rollup': {
    async up(db: Kysely<unknown>) {
      // Chain-wide sums per day and hour: day and hour reports over all stores read these.
      await db.schema
        .createTable('sales_rollup_hours')
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('hour', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addColumn('total', 'bigint', (c) => c.notNull())
        .addColumn('cash', 'bigint', (c) => c.notNull())
        .addColumn('card', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('sales_rollup_hours_pk', ['day', 'hour', 'kind'])
        .execute();
      await sql`insert into sales_rollup_hours (day, hour, kind, count, total, cash, card)
        select day, hour, kind, sum(count), sum(total), sum(cash), sum(card)
        from sales_rollup_docs group by day, hour, kind`.execute(db);
    },
  },
  '0010-sales-archive': {
    async up(db: Kysely<unknown>, ctx: MigrationContext) {
      // Detail older than the configured age moves here (a second SQLite file, or a second
      // PostgreSQL schema); the report sums stay, and the all_sales_* views span both.
      const archive = ctx.companion('archive');
      if (ctx.dialect === 'postgres') await sql`create schema if not exists ${sql.id(archive)}`.execute(db);
      await salesDocumentsTable(db.schema.withSchema(archive)).execute();
      await salesLinesTable(db.schema.withSchema(archive)).execute();
      const index = (name: string, table: string, columns: string) =>
        ctx.dialect === 'sqlite'
          ? sql.raw(`create index ${archive}.${name} on ${table} (${columns})`)
          : sql.raw(`create index ${name} on "${archive}".${table} (${columns})`);
      await index('sales_documents_shift', 'sales_documents', 'store, till, shift').execute(db);
      await index('sales_documents_day', 'sales_documents', 'day, store').execute(db);
      // Reconciliation and receipt search find till documents by their fiscal document.
      await index('sales_documents_fiscal', 'sales_documents', 'fn, fd').execute(db);
      await sql`create index sales_documents_fiscal on sales_documents (fn, fd)`.execute(db);
      if (ctx.dialect === 'postgres')
        for (const v of archiveViews('', `"${archive}"`)) await sql.raw(`create ${v}`).execute(db);
    },
  },
  '0011-shift-rollup': {
    async up(db: Kysely<unknown>) {
      // One row of sums per till shift, for X/Z per shift over any period without the detail.
      let t = db.schema
        .createTable('sales_rollup_shifts')
        .addColumn('store', 'text', (c) => c.notNull())
        .addColumn('till', 'text', (c) => c.notNull())
        .addColumn('shift', 'integer', (c) => c.notNull());
      for (const c of SHIFT_SUMS) t = t.addColumn(c, 'bigint', (col) => col.notNull());
      // first and last day with a document; opening and closing time, the ККТ's totals ('' until known)
      for (const c of ['first_day', 'last_day', 'opened_at', 'closed_at', 'kkt_json'])
        t = t.addColumn(c, 'text', (col) => col.notNull());
      await t.addPrimaryKeyConstraint('sales_rollup_shifts_pk', ['store', 'till', 'shift']).execute();
      await db.schema
        .createIndex('sales_rollup_shifts_days')
        .on('sales_rollup_shifts')
        .columns(['last_day', 'first_day'])
        .execute();
      const when = (kind: string, value: string) =>
        `sum(case when kind = '${kind}' then ${value} else 0 end)`;
      const sums = SHIFT_SUMS.map((c) => {
        const [kind, what] = c.split('_') as [string, string];
        const k = { sale: 'sale', return: 'return', cash: what === 'in' ? 'cashIn' : 'cashOut' }[kind]!;
        return kind === 'cash' ? when(k, 'total') : when(k, what === 'count' ? '1' : what);
      });
      await sql
        .raw(
          `insert into sales_rollup_shifts (store, till, shift, ${SHIFT_SUMS.join(', ')}, first_day, last_day, opened_at, closed_at, kkt_json)
          select store, till, shift, ${sums.join(', ')}, min(day), max(day),
            max(case when kind = 'shiftOpen' then at else '' end), max(case when kind = 'shiftClose' then at else '' end), ''
          from all_sales_documents group by store, till, shift`,
        )
        .execute(db);
      const closes = await sql<{ store: string; till: string; shift: number; payload_json: string }>`
        select store, till, shift, payload_json from all_sales_documents where kind = 'shiftClose'`.execute(
        db,
      );
      for (const c of closes.rows) {
        const totals = (JSON.parse(c.payload_json) as { kktTotals?: unknown }).kktTotals;
        if (totals !== undefined)
          await sql`update sales_rollup_shifts set kkt_json = ${JSON.stringify(totals)}
            where store = ${c.store} and till = ${c.till} and shift = ${c.shift}`.execute(db);
      }
    },
  },
  '0012-security': {
    async up(db: Kysely<unknown>, ctx: MigrationContext) {
      // People who log in to the server, their sessions, enrolled devices and their codes.
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('login', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        // '*' (every store) or a JSON list of store codes
        .addColumn('stores', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('failed_logins', 'integer', (c) => c.notNull())
        .addColumn('locked_until', 'text')
        .addColumn('disabled', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
      await db.schema
        .createTable('device_credentials')
        .addColumn('device_id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('store', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        // the secret before the last rotation, valid until the device first uses the new one
        .addColumn('previous_hash', 'text')
        .addColumn('enrolled_at', 'text', (c) => c.notNull())
        .addColumn('rotated_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema
        .createTable('enrollment_codes')
        .addColumn('code_hash', 'text', (c) => c.primaryKey())
        .addColumn('store', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .addColumn('used_by', 'text')
        .execute();
      // A store server's own credentials at its head office (the secret it presents).
      await db.schema
        .createTable('upstream_credentials')
        .addColumn('upstream', 'text', (c) => c.primaryKey())
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .execute();
      // ФН the relay port accepts when it is told to accept only known ones.
      await db.schema
        .createTable('known_fns')
        .addColumn('fn', 'text', (c) => c.primaryKey())
        .addColumn('store', 'text', (c) => c.notNull())
        .addColumn('registered_at', 'text', (c) => c.notNull())
        .addColumn('registered_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('detail_json', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_action').on('audit_log').columns(['action', 'seq']).execute();
      // Each till document names the audit entry that recorded it (null: stored before the log).
      const archive = ctx.companion('archive');
      await db.schema.alterTable('sales_documents').addColumn('audit_seq', 'bigint').execute();
      await db.schema
        .withSchema(archive)
        .alterTable('sales_documents')
        .addColumn('audit_seq', 'bigint')
        .execute();
      await db.schema
        .createIndex('sales_documents_audit')
        .on('sales_documents')
        .column('audit_seq')
        .execute();
      await (
        ctx.dialect === 'sqlite'
          ? sql.raw(`create index ${archive}.sales_documents_audit on sales_documents (audit_seq)`)
          : sql.raw(`create index sales_documents_audit on "${archive}".sales_documents (audit_seq)`)
      ).execute(db);
      if (ctx.dialect === 'postgres')
        for (const v of archiveViews('', `"${archive}"`)) await sql.raw(`create or replace ${v}`).execute(db);
      await immutability(db, ctx, archive);
      // The first entry holds the documents already stored, so they are covered from now on.
      const digest = new DocumentsDigest();
      let after = '';
      for (;;) {
        const page = await sql<{ id: string; payload_hash: string }>`
          select id, payload_hash from all_sales_documents where id > ${after} order by id limit 5000`.execute(
          db,
        );
        for (const r of page.rows) digest.add(r.id, r.payload_hash);
        if (page.rows.length < 5000) break;
        after = page.rows.at(-1)!.id;
      }
      const at = new Date().toISOString();
      const e = {
        seq: 1,
        at,
        actor: 'system',
        action: 'audit.start',
        subject: '',
        detailJson: JSON.stringify(digest.done()),
      };
      await sql`insert into audit_log (seq, at, actor, action, subject, detail_json, prev_hash, hash)
        values (1, ${at}, 'system', 'audit.start', '', ${e.detailJson}, ${GENESIS}, ${entryHash(GENESIS, e)})`.execute(
        db,
      );
    },
  },
  '0013-back-office': {
    async up(db: Kysely<unknown>) {
      // Catalogue search in the back office: the words of a product (name, article, barcodes,
      // PLU, id) in lower case, written with the item, so a search is one LIKE on one column.
      await db.schema.alterTable('catalog_items').addColumn('search', 'text').execute();
      for (const kind of ['product', 'category']) {
        let after = '';
        for (;;) {
          const page = await sql<{ id: string; data_json: string }>`
            select id, data_json from catalog_items
            where kind = ${kind} and deleted = 0 and id > ${after}
            order by id limit 5000`.execute(db);
          for (const r of page.rows)
            await sql`update catalog_items set search = ${searchText(kind, JSON.parse(r.data_json))}
              where kind = ${kind} and id = ${r.id}`.execute(db);
          if (page.rows.length < 5000) break;
          after = page.rows.at(-1)!.id;
        }
      }
      await db.schema
        .createIndex('catalog_items_search')
        .on('catalog_items')
        .columns(['kind', 'search', 'id'])
        .execute();
      // Fiscal documents found by date or number across every ФН of a chain.
      await db.schema
        .createIndex('fiscal_documents_when')
        .on('fiscal_documents')
        .column('fiscal_time')
        .execute();
      await db.schema.createIndex('fiscal_messages_fd').on('fiscal_messages').column('fd').execute();
      await db.schema.createIndex('fiscal_documents_total').on('fiscal_documents').column('total').execute();
    },
  },
  '0014-parse-after-store': {
    // The relay stores a message, sends it upstream, and then writes its document into the central
    // database; the mark says which stored documents are still to be written (after a crash).
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('fiscal_messages').addColumn('unparsed', 'integer').execute();
      await db.schema
        .createIndex('fiscal_messages_unparsed')
        .on('fiscal_messages')
        .columns(['fn', 'fd'])
        .where(sql<boolean>`unparsed = 1`)
        .execute();
    },
  },
  '0015-sales-review': {
    // Documents the ККТ fiscalised that break a rule of the sales schema: kept as they came, with
    // the reason, for a person to look at — a fiscalised document is never refused.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('sales_review')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('store', 'text', (c) => c.notNull())
        .addColumn('till', 'text')
        .addColumn('kind', 'text')
        .addColumn('fn', 'text', (c) => c.notNull())
        .addColumn('fd', 'bigint', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('payload_json', 'text', (c) => c.notNull())
        .addColumn('payload_hash', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        // on a store server: 'pending' until the head office has it too
        .addColumn('upstream_state', 'text')
        .execute();
      await db.schema
        .createIndex('sales_review_upstream')
        .on('sales_review')
        .column('upstream_state')
        .where(sql<boolean>`upstream_state = 'pending'`)
        .execute();
    },
  },
};

/** How the cash server opens its database: its migrations and its archive beside it. */
export const serverDbOptions = {
  migrations: serverMigrations,
  attach: ['archive'],
  sqliteConnect: serverSqliteConnect,
} as const satisfies OpenOptions;
