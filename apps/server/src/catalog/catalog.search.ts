import { sql } from 'kysely';
import type { Database } from '@openkassa/db';
import { CATALOG_KINDS, type CatalogKind } from '@openkassa/contracts';
import type { ServerSchema } from '../schema.js';

/**
 * The words a product or category is found by in the back office, in lower case (done here, not
 * in SQL: SQLite's lower() knows only ASCII, and the catalogue is Russian). The name comes first,
 * so ordering by this column orders by name.
 */
export function searchText(kind: string, data: unknown): string | null {
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

export interface CatalogQuery {
  readonly kind: CatalogKind;
  /** Words that must all appear (name, article, barcode, PLU, id); products and categories. */
  readonly q?: string;
  /** Products of this category (directly in it). */
  readonly category?: string;
  /** Prices of this product. */
  readonly product?: string;
  /** Just this item. */
  readonly id?: string;
  readonly limit: number;
  /** The `next` of the previous page. */
  readonly after?: string;
}

/**
 * An item as people see it: a till user without the salted hash of their PIN, which is for the
 * tills that check it offline (and the store servers that feed them), not for the back office.
 */
export function withoutPinHash<T extends { readonly kind: CatalogKind; readonly data?: unknown }>(
  item: T,
): T {
  if (item.kind !== 'user' || typeof item.data !== 'object' || item.data === null) return item;
  return {
    ...item,
    data: Object.fromEntries(Object.entries(item.data).filter(([k]) => k !== 'pinHash' && k !== 'pinSalt')),
  };
}

export interface CatalogItemView {
  readonly kind: CatalogKind;
  readonly id: string;
  readonly version: number;
  readonly data: unknown;
}

const like = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
const cursor = {
  write: (search: string, id: string) => Buffer.from(JSON.stringify([search, id])).toString('base64url'),
  read(t: string): [string, string] | undefined {
    try {
      const v = JSON.parse(Buffer.from(t, 'base64url').toString('utf8')) as unknown;
      return Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'string')
        ? (v as [string, string])
        : undefined;
    } catch {
      return undefined;
    }
  },
};

export const isCatalogKind = (k: string | undefined): k is CatalogKind =>
  (CATALOG_KINDS as readonly (string | undefined)[]).includes(k);

/**
 * A page of the catalogue as it is now (removed items left out), ordered by name (products,
 * categories) or id, filtered in the database; `next` asks for the following page.
 */
export async function searchCatalog(
  db: Database<ServerSchema>,
  q: CatalogQuery,
): Promise<{ items: CatalogItemView[]; next: string | null } | { refused: string }> {
  const after = q.after === undefined ? undefined : cursor.read(q.after);
  if (q.after !== undefined && !after) return { refused: 'after is the next value of an earlier page' };
  // Goods and categories are read in name order along the (kind, search, id) index, so a page of
  // a common word stops at its 50th match; other kinds are few and go by id.
  const named = q.kind === 'product' || q.kind === 'category';
  let sel = db.db
    .selectFrom('catalog_items')
    .select(['kind', 'id', 'version', 'data_json', 'search'])
    .where('kind', '=', q.kind)
    .where('deleted', '=', 0)
    .limit(q.limit + 1);
  sel = named ? sel.orderBy('search').orderBy('id') : sel.orderBy('id');
  for (const w of (q.q ?? '').toLowerCase().split(/\s+/).filter(Boolean).slice(0, 8))
    sel = sel.where(sql<boolean>`search like ${like(w)} escape '\\'`);
  if (q.category !== undefined) sel = sel.where('category', '=', q.category);
  if (q.id !== undefined) sel = sel.where('id', '=', q.id);
  if (q.product !== undefined)
    sel = sel.where(sql<boolean>`id like ${like(`${q.product}@`).slice(1)} escape '\\'`);
  if (after)
    sel = named
      ? sel.where((eb) =>
          eb.or([
            eb('search', '>', after[0]),
            eb.and([eb('search', '=', after[0]), eb('id', '>', after[1])]),
          ]),
        )
      : sel.where('id', '>', after[1]);
  const rows = await sel.execute();
  const page = rows.slice(0, q.limit);
  const last = rows.length > q.limit ? page.at(-1) : undefined;
  return {
    items: page.map((r) => ({
      kind: r.kind as CatalogKind,
      id: r.id,
      version: r.version,
      data: JSON.parse(r.data_json ?? 'null') as unknown,
    })),
    next: last ? cursor.write(last.search ?? '', last.id) : null,
  };
}
