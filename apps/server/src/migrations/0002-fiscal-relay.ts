import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '@openkassa/db';

// Migration 0002-fiscal-relay: frozen once released; a change to the schema is a new numbered file.

/** Byte columns: bytea on PostgreSQL, blob on SQLite. */
const bytes = (ctx: MigrationContext) => (ctx.dialect === 'postgres' ? sql`bytea` : sql`blob`);

export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
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
}
