import type { Database } from '@openkassa/db';
import {
  ERRORS,
  catalogCategory,
  catalogPrice,
  catalogProduct,
  catalogStore,
  catalogUserInput,
  describeZodError,
  priceId,
  type CatalogKind,
  type CatalogPage,
} from '@openkassa/contracts';
import { hashUser, Wakeup } from '@openkassa/runtime';
import type { ServerSchema } from '../schema.js';
import { catalogChanges, catalogHead, writeCatalog, type CatalogWrite } from './catalog.repo.js';

const SCHEMAS = {
  product: catalogProduct,
  category: catalogCategory,
  price: catalogPrice,
  store: catalogStore,
  // given with its PIN, kept and sent with the PIN's salted hash only
  user: catalogUserInput.transform(hashUser),
};

export type EditOutcome =
  | { readonly ok: true; readonly head: number }
  | {
      readonly ok: false;
      readonly code: 'bad-request' | 'mirror';
      /** The code's HTTP status, from the error catalogue (for callers that answer over HTTP). */
      readonly status: number;
      readonly reason: string;
    };

const editRefused = (code: 'bad-request' | 'mirror', reason: string): EditOutcome => ({
  ok: false,
  code,
  status: ERRORS[code].status,
  reason,
});

/**
 * The catalogue: edits at the head office (checked item by item; one bad item changes
 * nothing), and the change feed every store server and till pulls, with long polling so an
 * online till sees a change within moments.
 */
export class CatalogService {
  readonly #db: Database<ServerSchema>;
  readonly #changed = new Set<Wakeup>();
  /** A store server copies its head office's catalogue and takes no edits of its own. */
  readonly #mirror: boolean;

  /** Whether this server copies its head office's catalogue (and so takes no edits). */
  get mirrors(): boolean {
    return this.#mirror;
  }

  constructor(db: Database<ServerSchema>, opts: { mirror: boolean }) {
    this.#db = db;
    this.#mirror = opts.mirror;
  }

  async edit(body: unknown): Promise<EditOutcome> {
    if (this.#mirror)
      return editRefused('mirror', 'this store server mirrors its head office: edit the catalogue there');
    const items = (body as { items?: unknown } | null)?.items;
    if (!Array.isArray(items) || items.length === 0 || items.length > 50_000)
      return editRefused('bad-request', 'body must be {"items": [...]} with 1..50000 items');
    const writes: CatalogWrite[] = [];
    const problems: string[] = [];
    for (const [i, raw] of (items as unknown[]).entries()) {
      const it = raw as { kind?: unknown; id?: unknown; data?: unknown; deleted?: unknown } | null;
      const kind = it?.kind as CatalogKind;
      if (!(kind in SCHEMAS)) {
        problems.push(`items.${i}.kind: one of ${Object.keys(SCHEMAS).join(', ')}`);
        continue;
      }
      if (it?.deleted === true) {
        if (typeof it.id !== 'string' || it.id.length === 0 || it.id.length > 200)
          problems.push(`items.${i}.id: the id of the item to remove`);
        else writes.push({ kind, id: it.id, deleted: true });
        continue;
      }
      const parsed = SCHEMAS[kind].safeParse(it?.data);
      if (!parsed.success) {
        problems.push(`items.${i} (${kind}): ${describeZodError(parsed.error)}`);
        continue;
      }
      const data = parsed.data;
      const id =
        kind === 'price'
          ? priceId(data as { productId: string; scope: string })
          : (data as { id: string }).id;
      writes.push({ kind, id, data });
    }
    if (problems.length > 0) return editRefused('bad-request', problems.slice(0, 10).join('; '));
    const head = await writeCatalog(this.#db, writes);
    this.notify();
    return { ok: true, head };
  }

  /** Applies a page of the head office's feed (store server), keeping its versions. */
  async mirror(page: CatalogPage): Promise<number> {
    const head = await writeCatalog(
      this.#db,
      page.changes.map((c) => ({
        kind: c.kind,
        id: c.id,
        version: c.version,
        ...(c.deleted ? { deleted: true } : { data: c.data }),
      })),
      page.cursor,
    );
    if (page.changes.length > 0) this.notify();
    return head;
  }

  head(): Promise<number> {
    return catalogHead(this.#db);
  }

  notify(): void {
    for (const w of this.#changed) w.notify();
  }

  /** The server is stopping: waiting requests answer now, so closing does not wait for them. */
  close(): void {
    this.#closing = true;
    this.notify();
  }

  #closing = false;

  /**
   * Changes after `since`; with `waitMs`, an empty answer waits until something changes: here
   * (an edit or a mirrored page wakes the waiters at once) or on another node sharing the
   * database, which one shared watcher notices by reading the head twice a second, however many
   * tills are waiting.
   */
  async changes(
    since: number,
    limit: number,
    store: string | undefined,
    waitMs: number,
  ): Promise<CatalogPage> {
    const until = Date.now() + waitMs;
    const w = new Wakeup();
    this.#changed.add(w);
    this.#watch();
    try {
      for (;;) {
        const page = await catalogChanges(this.#db, since, limit, store);
        if (page.changes.length > 0 || page.cursor > since || Date.now() >= until || this.#closing)
          return page;
        await w.wait(until - Date.now());
      }
    } finally {
      this.#changed.delete(w);
    }
  }

  #watcher: NodeJS.Timeout | undefined;
  #seenHead = -1;

  #watch(): void {
    if (this.#watcher) return;
    this.#watcher = setInterval(() => {
      if (this.#changed.size === 0) {
        clearInterval(this.#watcher);
        this.#watcher = undefined;
        this.#seenHead = -1;
        return;
      }
      catalogHead(this.#db).then(
        (h) => {
          if (this.#seenHead !== -1 && h !== this.#seenHead) this.notify();
          this.#seenHead = h;
        },
        () => undefined,
      );
    }, 500);
    this.#watcher.unref();
  }
}
