import { sql, type Kysely } from 'kysely';

// Migration 0005-catalog: frozen once released; a change to the schema is a new numbered file.

export async function up(db: Kysely<unknown>): Promise<void> {
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
}
