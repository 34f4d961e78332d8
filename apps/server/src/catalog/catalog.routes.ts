import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { catalogApi, ENROLLED_KINDS } from '@openkassa/contracts';
import { actorOf, oneStore, scoped } from '../auth/index.js';
import { route } from '../route.js';
import { audit } from '../audit/index.js';
import type { ServerAppContext } from '../context.js';
import { refuse } from '../errors.js';
import {
  CommerceMlError,
  readCatalogCsv,
  readCommerceMl,
  type CommerceMlCatalog,
} from '../exchange/index.js';
import { CsvError } from '../text.js';
import { searchCatalog, withoutPinHash } from './catalog.search.js';

/** Items per edit while importing: one catalogue version per batch, progress between them. */
const IMPORT_BATCH = 2000;

/** A catalogue import started from the back office, as the page polls it. */
export interface ImportJob {
  readonly id: string;
  readonly format: 'csv' | 'cml';
  readonly by: string;
  readonly startedAt: string;
  state: 'running' | 'done' | 'failed';
  /** Items written so far and in all (categories and products). */
  done: number;
  readonly total: number;
  readonly categories: number;
  readonly products: number;
  readonly unpriced: number;
  readonly skipped: readonly string[];
  head: number | null;
  error: string | null;
  finishedAt: string | null;
}

/**
 * The catalogue as the back office reads it (a page at a time, searched in the database) and
 * bulk loads from files (CSV, CommerceML 2) run in the background with their progress.
 */
export function register(
  app: FastifyInstance,
  ctx: Pick<ServerAppContext, 'db' | 'catalog' | 'clock'>,
): void {
  const now = () => ctx.clock.now().toISOString();

  route(
    app,
    catalogApi.items,
    { access: { permission: 'viewReports' } },
    async ({ query: q }, _req, reply) => {
      const r = await searchCatalog(ctx.db, {
        kind: q.kind,
        limit: q.limit,
        ...(q.q !== undefined && { q: q.q }),
        ...(q.category !== undefined && { category: q.category }),
        ...(q.product !== undefined && { product: q.product }),
        ...(q.id !== undefined && { id: q.id }),
        ...(q.after !== undefined && { after: q.after }),
      });
      if ('refused' in r) return refuse(reply, 'bad-request', r.refused);
      return q.kind === 'user' ? { ...r, items: r.items.map(withoutPinHash) } : r;
    },
  );

  const jobs = new Map<string, ImportJob>();
  const editCatalog = { permission: 'editCatalog' as const, allStores: true };

  route(
    app,
    catalogApi.import,
    { access: editCatalog, bodyLimit: 128 * 1024 * 1024 },
    async ({ body: b }, req, reply) => {
      if (ctx.catalog.mirrors)
        return refuse(
          reply,
          'mirror',
          'this store server mirrors its head office: import the catalogue there',
        );
      let catalog: CommerceMlCatalog;
      try {
        catalog =
          b.format === 'csv'
            ? { ...readCatalogCsv(b.csv), unpriced: [], skipped: [] }
            : readCommerceMl(b.importXml, b.offersXml, {
                ...(b.priceType !== undefined && { priceType: b.priceType }),
              });
      } catch (e) {
        if (e instanceof CsvError || e instanceof CommerceMlError)
          return refuse(reply, 'bad-request', e.message);
        throw e;
      }
      const items = [
        ...catalog.categories.map((data) => ({ kind: 'category', data })),
        ...catalog.products.map((data) => ({ kind: 'product', data })),
      ];
      if (items.length === 0)
        return refuse(reply, 'bad-request', 'the file holds no categories and no products');
      const job: ImportJob = {
        id: randomUUID(),
        format: b.format,
        by: actorOf(req.principal),
        startedAt: now(),
        state: 'running',
        done: 0,
        total: items.length,
        categories: catalog.categories.length,
        products: catalog.products.length,
        unpriced: catalog.unpriced.length,
        skipped: catalog.skipped.slice(0, 100),
        head: null,
        error: null,
        finishedAt: null,
      };
      jobs.set(job.id, job);
      for (const old of [...jobs.keys()].slice(0, Math.max(0, jobs.size - 50))) jobs.delete(old);
      void (async () => {
        try {
          for (let i = 0; i < items.length; i += IMPORT_BATCH) {
            const r = await ctx.catalog.edit({ items: items.slice(i, i + IMPORT_BATCH) });
            if (!r.ok)
              throw new Error(`items ${i + 1}..${Math.min(i + IMPORT_BATCH, items.length)}: ${r.reason}`);
            job.head = r.head;
            job.done = Math.min(i + IMPORT_BATCH, items.length);
          }
          job.state = 'done';
        } catch (e) {
          job.state = 'failed';
          job.error = e instanceof Error ? e.message : String(e);
        }
        job.finishedAt = now();
        await audit(
          ctx.db,
          {
            actor: job.by,
            action: 'catalog.import',
            subject: String(job.head ?? ''),
            detail: {
              format: job.format,
              state: job.state,
              categories: job.categories,
              products: job.products,
              written: job.done,
              ...(job.error !== null && { error: job.error }),
            },
          },
          now(),
        ).catch((e: unknown) => {
          job.error = `${job.error ?? 'imported'}; the audit log could not record it: ${e instanceof Error ? e.message : String(e)}`;
        });
      })();
      return reply.code(202).send(job);
    },
  );

  route(app, catalogApi.importState, { access: editCatalog }, async ({ params }, _req, reply) => {
    const job = jobs.get(params.id);
    return (
      job ?? refuse(reply, 'not-found', 'no such import on this server (imports are kept until it restarts)')
    );
  });

  route(
    app,
    catalogApi.edit,
    { access: editCatalog, bodyLimit: 64 * 1024 * 1024 },
    async ({ body }, req, reply) => {
      const r = await ctx.catalog.edit(body);
      if (!r.ok) return refuse(reply, r.code, r.reason);
      const users = body.items
        .filter((i) => field(i, 'kind') === 'user')
        .map((i) => String(field(field(i, 'data'), 'id') ?? field(i, 'id')));
      await audit(
        ctx.db,
        {
          actor: actorOf(req.principal),
          action: 'catalog.edit',
          subject: String(r.head),
          detail: { items: body.items.length, ...(users.length > 0 && { users: users.slice(0, 1000) }) },
        },
        now(),
      );
      return { head: r.head };
    },
  );

  route(
    app,
    catalogApi.changes,
    { access: { permission: 'viewReports', devices: ENROLLED_KINDS } },
    async ({ query: q }, req, reply) => {
      // a device reads its own store's feed (other stores' users are not for it)
      const s = oneStore(req.principal, q.store);
      if (!scoped(reply, s)) return;
      const page = await ctx.catalog.changes(q.since, q.limit, s.stores?.[0], q.wait * 1000);
      // tills and store servers take the PIN hashes; people reading the feed do not
      return req.principal?.kind === 'device' ? page : { ...page, changes: page.changes.map(withoutPinHash) };
    },
  );
}

/** A field of what may be an object (an edit's item, as given), or undefined. */
function field(o: unknown, name: string): unknown {
  if (typeof o !== 'object' || o === null) return undefined;
  const v: unknown = Reflect.get(o, name);
  return v;
}
