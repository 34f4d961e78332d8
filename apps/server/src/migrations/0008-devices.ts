import { type Kysely } from 'kysely';

// Migration 0008-devices: frozen once released; a change to the schema is a new numbered file.

export async function up(db: Kysely<unknown>): Promise<void> {
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
}
