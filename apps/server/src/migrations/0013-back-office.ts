import { sql, type Kysely } from 'kysely';

// Migration 0013-back-office: frozen once released; a change to the schema is a new numbered file.

/**
 * The search text of a catalogue item as this migration filled it in (a copy: this migration's,
 * whatever the live code's becomes): its name, article, PLU, barcodes and id, lowercased.
 */
function searchText(kind: string, data: unknown): string | null {
  const d = data as {
    id?: string;
    name?: string;
    article?: string;
    plu?: string;
    barcodes?: readonly string[];
  } | null;
  if ((kind !== 'product' && kind !== 'category') || !d?.name) return null;
  return [d.name, d.article, d.plu, ...(d.barcodes ?? []), d.id]
    .filter((x) => x !== undefined && x !== '')
    .join(' ')
    .toLowerCase();
}

export async function up(db: Kysely<unknown>): Promise<void> {
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
  await db.schema.createIndex('fiscal_documents_when').on('fiscal_documents').column('fiscal_time').execute();
  await db.schema.createIndex('fiscal_messages_fd').on('fiscal_messages').column('fd').execute();
  await db.schema.createIndex('fiscal_documents_total').on('fiscal_documents').column('total').execute();
}
