import type { FastifyInstance } from 'fastify';
import { salesApi } from '@openkassa/contracts';
import { oneStore, scoped, storeScope } from '../auth/index.js';
import type { ServerAppContext } from '../context.js';
import { refuse } from '../errors.js';
import { route } from '../route.js';
import { heldForReview } from './sales.review.js';
import { storedDocuments } from './sales.repo.js';
import { shiftReport } from './sales.shifts.js';

/** The store a document says it belongs to (undefined if it says none); null for what is no document at all. */
const storeOf = (d: unknown): unknown =>
  typeof d !== 'object' || d === null ? null : 'store' in d ? d.store : undefined;

/** Till documents in (the batch), read back (per store, a shift's X/Z, those held for review), and the uplink's state. */
export function register(
  app: FastifyInstance,
  ctx: Pick<ServerAppContext, 'db' | 'sales' | 'salesUplink'>,
): void {
  route(
    app,
    salesApi.batch,
    { access: { devices: ['till', 'store-server'] }, bodyLimit: 16 * 1024 * 1024 },
    async ({ body }, req, reply) => {
      // a till or store server posts its own store's documents only
      const p = req.principal;
      const other =
        p?.kind === 'device'
          ? body.documents.find((d) => storeOf(d) !== null && storeOf(d) !== p.store)
          : undefined;
      if (p?.kind === 'device' && other !== undefined)
        return refuse(
          reply,
          'forbidden',
          `device ${p.id} of store ${p.store} may not post documents of store ${String(storeOf(other))}`,
        );
      return { results: await ctx.sales.ingestDocuments(body.documents) };
    },
  );

  route(
    app,
    salesApi.shiftReport,
    { access: { permission: 'viewReports' } },
    async ({ query: q }, req, reply) => {
      if (!scoped(reply, storeScope(req.principal, [q.store]))) return;
      return shiftReport(ctx.db, q.store, q.till, q.shift);
    },
  );

  // fiscalised documents that broke a rule, kept and held for a person to look at
  route(app, salesApi.review, { access: { permission: 'viewReports' } }, async ({ query: q }, req, reply) => {
    const s = oneStore(req.principal, q.store);
    if (!scoped(reply, s)) return;
    return heldForReview(ctx.db, q.limit, s.stores?.[0]);
  });

  route(
    app,
    salesApi.documents,
    { access: { permission: 'viewReports' } },
    async ({ query: q }, req, reply) => {
      if (!scoped(reply, storeScope(req.principal, [q.store]))) return;
      return {
        documents: await storedDocuments(ctx.db, {
          store: q.store,
          limit: q.limit,
          ...(q.till && { till: q.till }),
          ...(q.day && { day: q.day }),
        }),
      };
    },
  );

  route(app, salesApi.uplink, { access: { permission: 'viewDevices' } }, async () =>
    ctx.salesUplink
      ? { configured: true, pending: await ctx.salesUplink.pending(), ...ctx.salesUplink.status() }
      : { configured: false },
  );
}
