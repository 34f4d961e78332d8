import type { Database, Tx } from '@openkassa/db';
import type {
  CatalogChange,
  CatalogKind,
  CatalogPage,
  CatalogStore,
  CatalogUser,
} from '@openkassa/contracts';
import type { ServerSchema } from '../schema.js';
import { searchText } from './catalog.search.js';

/** A change to write: the item as it is now, or its removal. */
export interface CatalogWrite {
  readonly kind: CatalogKind;
  readonly id: string;
  readonly data?: unknown;
  readonly deleted?: boolean;
  /** Only for a mirror (a store server copying its head office): keep the source's version. */
  readonly version?: number;
}

const scopeOf = (w: CatalogWrite): string | null =>
  w.kind === 'price' && !w.deleted ? (w.data as { scope: string }).scope : null;

/**
 * Writes changes in one transaction, each under a new version (or, for a mirror, under the
 * version its source gave it). The head row is locked first, so concurrent writers (several
 * nodes on one PostgreSQL) commit their versions in order: a reader that has seen version N
 * never later finds a newer commit below N. Returns the new head.
 */
export function writeCatalog(
  db: Database<ServerSchema>,
  writes: readonly CatalogWrite[],
  /** A mirror has seen its source up to here, even where nothing changed for it. */
  headAtLeast = 0,
): Promise<number> {
  return db.transaction(async (tx) => {
    let q = tx.db.selectFrom('catalog_head').select('version').where('id', '=', 1);
    if (db.dialect === 'postgres') q = q.forUpdate();
    let head = (await q.executeTakeFirstOrThrow()).version;
    for (const w of writes) {
      if (w.kind === 'store' && !w.deleted && w.version === undefined) head = await regroup(tx, w, head);
      const version = w.version ?? ++head;
      head = Math.max(head, version);
      const row = {
        version,
        deleted: w.deleted ? 1 : 0,
        scope: scopeOf(w),
        category:
          w.kind === 'product' && !w.deleted
            ? ((w.data as { categoryId?: string }).categoryId ?? null)
            : null,
        data_json: w.deleted ? null : JSON.stringify(w.data),
        search: w.deleted ? null : searchText(w.kind, w.data),
      };
      await tx.db
        .insertInto('catalog_items')
        .values({ kind: w.kind, id: w.id, ...row })
        .onConflict((oc) => oc.columns(['kind', 'id']).doUpdateSet(row))
        .execute();
    }
    head = Math.max(head, headAtLeast);
    await tx.db.updateTable('catalog_head').set({ version: head }).where('id', '=', 1).execute();
    return head;
  });
}

/**
 * A store moving to another group must receive that group's prices, which its tills filtered
 * out until now: they get new versions, so every feed sends them again.
 */
async function regroup(tx: Tx<ServerSchema>, w: CatalogWrite, head: number): Promise<number> {
  const before = await tx.db
    .selectFrom('catalog_items')
    .select('data_json')
    .where('kind', '=', 'store')
    .where('id', '=', w.id)
    .executeTakeFirst();
  const oldGroup = before?.data_json ? (JSON.parse(before.data_json) as CatalogStore).group : undefined;
  const newGroup = (w.data as CatalogStore).group;
  if (newGroup === undefined || newGroup === oldGroup) return head;
  const prices = await tx.db
    .selectFrom('catalog_items')
    .select('id')
    .where('kind', '=', 'price')
    .where('scope', '=', `group:${newGroup}`)
    .execute();
  for (const p of prices)
    await tx.db
      .updateTable('catalog_items')
      .set({ version: ++head })
      .where('kind', '=', 'price')
      .where('id', '=', p.id)
      .execute();
  return head;
}

export async function catalogHead(db: Database<ServerSchema>): Promise<number> {
  return (
    await db.db.selectFrom('catalog_head').select('version').where('id', '=', 1).executeTakeFirstOrThrow()
  ).version;
}

/** The scopes of prices that apply to a store: its own, its group's and everyone's. */
async function scopesFor(db: Database<ServerSchema>, store: string): Promise<string[]> {
  const row = await db.db
    .selectFrom('catalog_items')
    .select('data_json')
    .where('kind', '=', 'store')
    .where('id', '=', store)
    .where('deleted', '=', 0)
    .executeTakeFirst();
  const group = row?.data_json ? (JSON.parse(row.data_json) as CatalogStore).group : undefined;
  return ['*', `store:${store}`, ...(group ? [`group:${group}`] : [])];
}

const userServes = (u: CatalogUser, store: string) => u.stores === undefined || u.stores.includes(store);

/**
 * Changes after `since`, oldest first. For a till (`store` given) only the prices that apply to
 * that store, only its own store record and only the users who work there; a store server
 * mirrors everything.
 */
export async function catalogChanges(
  db: Database<ServerSchema>,
  since: number,
  limit: number,
  store?: string,
): Promise<CatalogPage> {
  const head = await catalogHead(db);
  let q = db.db
    .selectFrom('catalog_items')
    .select(['kind', 'id', 'version', 'deleted', 'data_json'])
    .where('version', '>', since)
    .orderBy('version')
    .limit(limit);
  // From the start (a new till): a compact snapshot, removals it never had are left out.
  if (since === 0) q = q.where('deleted', '=', 0);
  if (store !== undefined) {
    const scopes = await scopesFor(db, store);
    q = q.where((eb) =>
      eb.or([
        eb.and([eb('kind', '!=', 'price'), eb('kind', '!=', 'store')]),
        eb.and([eb('kind', '=', 'store'), eb('id', '=', store)]),
        // a removed price has no scope: send the removal, the till ignores what it does not have
        eb.and([eb('kind', '=', 'price'), eb.or([eb('scope', 'in', scopes), eb('scope', 'is', null)])]),
      ]),
    );
  }
  const rows = await q.execute();
  const changes: CatalogChange[] = [];
  for (const r of rows) {
    const data = r.data_json === null ? undefined : (JSON.parse(r.data_json) as unknown);
    // A user limited to other stores reaches this store's tills as a removal (it may have had
    // the user before), or not at all in a snapshot.
    const elsewhere =
      store !== undefined &&
      r.kind === 'user' &&
      data !== undefined &&
      !userServes(data as CatalogUser, store);
    if (elsewhere && since === 0) continue;
    changes.push({
      kind: r.kind as CatalogKind,
      id: r.id,
      version: r.version,
      deleted: r.deleted === 1 || elsewhere,
      ...(data !== undefined && !elsewhere && { data }),
    });
  }
  // A full page goes on after its last change; a short one has seen everything up to the head
  // read before it (a writer committing meanwhile only adds versions above that head).
  const last = rows.at(-1)?.version ?? since;
  const cursor = rows.length === limit ? last : Math.max(since, head, last);
  return { changes, cursor, head };
}
