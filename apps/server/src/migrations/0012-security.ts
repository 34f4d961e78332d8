import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '@openkassa/db';
import { archiveViews } from './0010-sales-archive.js';

// Migration 0012-security: frozen once released; a change to the schema is a new numbered file.

/** The audit chain as this migration started it (a copy: this migration's, whatever the live code's becomes). */
const GENESIS = '0'.repeat(64);

function entryHash(
  prev: string,
  e: { seq: number; at: string; actor: string; action: string; subject: string; detailJson: string },
): string {
  return createHash('sha256')
    .update([prev, e.seq, e.at, e.actor, e.action, e.subject, e.detailJson].join('\n'))
    .digest('hex');
}

const MOD = 1n << 512n;

/** The documents an entry records: their count and the sum of their SHA-512s modulo 2^512. */
class DocumentsDigest {
  #sum = 0n;
  #count = 0;

  add(id: string, payloadHash: string): void {
    const h = createHash('sha512').update(`${id}:${payloadHash}`).digest('hex');
    this.#sum = (this.#sum + BigInt(`0x${h}`)) % MOD;
    this.#count++;
  }

  done(): { count: number; digest: string } {
    return { count: this.#count, digest: this.#sum.toString(16).padStart(128, '0') };
  }
}

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

export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
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
  await db.schema.createIndex('sales_documents_audit').on('sales_documents').column('audit_seq').execute();
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
}
