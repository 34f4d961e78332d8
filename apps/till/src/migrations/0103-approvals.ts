import { type Kysely } from 'kysely';

// Migration 0103-approvals: frozen once released; a change to the schema is a new numbered file.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('documents').addColumn('approval_json', 'text').execute();
}
