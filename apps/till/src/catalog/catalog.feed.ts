import { catalogApi } from '@openkassa/contracts';
import type { Database } from '@openkassa/db';
import type {
  CatalogPage,
  CatalogPrice,
  CatalogProduct,
  CatalogStore,
  CatalogUser,
} from '@openkassa/contracts';
import type { WeightedLayout } from '@openkassa/fiscal';
import { FeedFollower, type DeviceCredentials, type FeedStatus } from '@openkassa/runtime';
import { readSetting, writeSetting } from '../settings.js';
import type { TillSchema } from '../schema.js';
import { writeProducts } from './catalog.repo.js';

export interface StoreSettingsSink {
  /** The store's settings as the head office set them (layouts, taxation, returns). */
  apply(s: CatalogStore['settings']): Promise<void>;
}

export async function catalogCursor(db: Database<TillSchema>): Promise<number> {
  return (await readSetting<number>(db.db, 'catalogCursor')) ?? 0;
}

/**
 * Applies a page of the catalogue feed to the till's copy and moves its cursor, in one
 * transaction: a till that stops halfway starts again from the same page.
 */
export async function applyCatalogPage(
  db: Database<TillSchema>,
  page: CatalogPage,
  store: string,
  settings: StoreSettingsSink,
): Promise<void> {
  // Only the last change of an item in the page counts; the page is then written with a few
  // multi-row statements (a 300,000-product snapshot is 15 pages).
  const last = new Map<string, CatalogPage['changes'][number]>();
  for (const c of page.changes) last.set(`${c.kind}/${c.id}`, c);
  const products: CatalogProduct[] = [];
  const removedProducts: string[] = [];
  const prices: { id: string; p: CatalogPrice }[] = [];
  const removedPrices: string[] = [];
  const users: CatalogUser[] = [];
  const removedUsers: string[] = [];
  let storeSettings: CatalogStore['settings'] | undefined;
  for (const c of last.values()) {
    switch (c.kind) {
      case 'product':
        if (c.deleted) removedProducts.push(c.id);
        else products.push(c.data as CatalogProduct);
        break;
      case 'price':
        if (c.deleted) removedPrices.push(c.id);
        else prices.push({ id: c.id, p: c.data as CatalogPrice });
        break;
      case 'store':
        if (c.id === store && !c.deleted) storeSettings = (c.data as CatalogStore).settings;
        break;
      case 'user':
        if (c.deleted) removedUsers.push(c.id);
        else users.push(c.data as CatalogUser);
        break;
      case 'category':
        break; // the till sells by product; categories matter to reports
    }
  }
  const chunks = <T>(xs: readonly T[], n = 500): T[][] =>
    Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));
  await db.transaction(async (tx) => {
    for (const ids of chunks(removedProducts)) {
      await tx.db.deleteFrom('barcodes').where('product_id', 'in', ids).execute();
      await tx.db.deleteFrom('products').where('id', 'in', ids).execute();
    }
    await writeProducts(tx, products, { replaceBarcodes: true });
    // The head office's users, with the PIN's salted hash it sends (never the PIN).
    for (const ids of chunks(removedUsers)) await tx.db.deleteFrom('users').where('id', 'in', ids).execute();
    for (const u of users) {
      const row = { id: u.id, name: u.name, role: u.role, pin_salt: u.pinSalt, pin_hash: u.pinHash };
      await tx.db
        .insertInto('users')
        .values(row)
        .onConflict((oc) => oc.column('id').doUpdateSet(row))
        .execute();
    }
    for (const ids of chunks(removedPrices))
      await tx.db.deleteFrom('prices').where('id', 'in', ids).execute();
    for (const part of chunks(prices))
      await tx.db
        .insertInto('prices')
        .values(
          part.map(({ id, p }) => ({
            id,
            product_id: p.productId,
            scope: p.scope,
            price: p.price,
            valid_from: p.validFrom ?? null,
            valid_to: p.validTo ?? null,
          })),
        )
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            product_id: eb.ref('excluded.product_id'),
            scope: eb.ref('excluded.scope'),
            price: eb.ref('excluded.price'),
            valid_from: eb.ref('excluded.valid_from'),
            valid_to: eb.ref('excluded.valid_to'),
          })),
        )
        .execute();
    await writeSetting(tx.db, 'catalogCursor', page.cursor);
  });
  if (storeSettings) await settings.apply(storeSettings);
}

/**
 * The till's catalogue from its server: the whole catalogue on first start (the feed from 0 is a
 * compact snapshot, only this store's prices), then changes as they happen, and after weeks
 * offline the changes since its cursor.
 */
export class CatalogPull {
  readonly #db: Database<TillSchema>;
  readonly #feed: FeedFollower<CatalogPage>;

  constructor(
    server: string,
    db: Database<TillSchema>,
    store: string,
    settings: StoreSettingsSink,
    log: { warn(m: string): void },
    auth?: DeviceCredentials,
  ) {
    this.#db = db;
    this.#feed = new FeedFollower<CatalogPage>(
      {
        what: 'catalogue',
        url: (since) => {
          const url = new URL(catalogApi.changes.url, server);
          url.search = new URLSearchParams({
            since: String(since),
            store,
            limit: since === 0 ? '20000' : '5000',
            wait: '25',
          }).toString();
          return url;
        },
        cursor: () => catalogCursor(db),
        apply: (page) => applyCatalogPage(db, page, store, settings),
        timeoutMs: 60_000,
        ...(auth && { auth }),
      },
      log,
    );
  }

  status(): FeedStatus {
    return this.#feed.status();
  }

  run(): Promise<void> {
    return this.#feed.run();
  }

  stop(): void {
    this.#feed.stop();
  }

  /** Loads the whole catalogue again (a command from the server): from cursor 0, at once. */
  async reload(): Promise<void> {
    await this.#db.db.deleteFrom('settings').where('key', '=', 'catalogCursor').execute();
    this.#feed.restart();
  }
}

export type { WeightedLayout };
