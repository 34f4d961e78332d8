import { sql, type Kysely } from 'kysely';

// Migration 0014-parse-after-store: frozen once released; a change to the schema is a new numbered file.

// The relay stores a message, sends it upstream, and then writes its document into the central
// database; the mark says which stored documents are still to be written (after a crash).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('fiscal_messages').addColumn('unparsed', 'integer').execute();
  await db.schema
    .createIndex('fiscal_messages_unparsed')
    .on('fiscal_messages')
    .columns(['fn', 'fd'])
    .where(sql<boolean>`unparsed = 1`)
    .execute();
}
