import type { FastifyInstance } from 'fastify';
import { badRequest, errorBody, oneStore, scoped, storeScope } from '../auth/index.js';
import type { ServerAppContext } from '../context.js';
import { heldForReview } from './sales.review.js';
import { shiftReport } from './sales.shifts.js';

/** Till documents in (the batch), read back (per store, a shift's X/Z, those held for review), and the uplink's state. */
export function register(
  app: FastifyInstance,
  ctx: Pick<ServerAppContext, 'db' | 'sales' | 'salesUplink'>,
): void {
  app.post(
    '/api/v1/sales/batch',
    { bodyLimit: 16 * 1024 * 1024, config: { access: { devices: ['till', 'store-server'] } } },
    async (req, reply) => {
      // a till or store server posts its own store's documents only
      const p = req.principal;
      const docs = (req.body as { documents?: unknown } | null)?.documents;
      if (p?.kind === 'device' && Array.isArray(docs)) {
        const other = docs.find(
          (d: unknown) => typeof d === 'object' && d !== null && (d as { store?: unknown }).store !== p.store,
        ) as { store?: unknown } | undefined;
        if (other)
          return reply
            .code(403)
            .send(
              errorBody(
                'forbidden',
                `device ${p.id} of store ${p.store} may not post documents of store ${String(other.store)}`,
              ),
            );
      }
      const r = await ctx.sales.ingest(req.body);
      if (!r.ok) return reply.code(400).send(badRequest(r.reason));
      return { results: r.results };
    },
  );

  app.get(
    '/api/v1/sales/shift-report',
    { config: { access: { permission: 'viewReports' } } },
    async (req, reply) => {
      const q = req.query as Record<string, string | undefined>;
      const shift = Number(q.shift);
      if (!q.store || !q.till || !Number.isInteger(shift) || shift < 0)
        return reply.code(400).send(badRequest('store, till and shift (a whole number) are required'));
      if (!scoped(reply, storeScope(req.principal, [q.store]))) return;
      return shiftReport(ctx.db, q.store, q.till, shift);
    },
  );

  // fiscalised documents that broke a rule, kept and held for a person to look at
  app.get(
    '/api/v1/sales/review',
    { config: { access: { permission: 'viewReports' } } },
    async (req, reply) => {
      const q = req.query as Record<string, string | undefined>;
      const limit = q.limit === undefined ? 100 : Number(q.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        return reply.code(400).send(badRequest('limit must be a whole number 1..1000'));
      if (q.store !== undefined && !/^[\w.-]{1,64}$/.test(q.store))
        return reply.code(400).send(badRequest('store is a store code'));
      const s = oneStore(req.principal, q.store);
      if (!scoped(reply, s)) return;
      const store = s.stores?.[0];
      return heldForReview(ctx.db, limit, store);
    },
  );

  app.get(
    '/api/v1/sales/documents',
    { config: { access: { permission: 'viewReports' } } },
    async (req, reply) => {
      const q = req.query as Record<string, string | undefined>;
      if (!q.store) return reply.code(400).send(badRequest('store is required'));
      if (!scoped(reply, storeScope(req.principal, [q.store]))) return;
      if (q.format !== undefined && q.format !== 'json')
        return reply
          .code(400)
          .send(
            badRequest(
              'format: the document list is JSON only; files of sales come from /api/v1/exchange/sales',
            ),
          );
      const limit = q.limit === undefined ? 1000 : Number(q.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
        return reply.code(400).send(badRequest('limit must be a whole number 1..10000'));
      let sel = ctx.db.db
        .selectFrom('all_sales_documents')
        .select(['payload_json', 'received_at'])
        .where('store', '=', q.store)
        .orderBy('till')
        .orderBy('number')
        .limit(limit);
      if (q.till) sel = sel.where('till', '=', q.till);
      if (q.day) sel = sel.where('day', '=', q.day);
      const rows = await sel.execute();
      return {
        documents: rows.map((r) => ({
          ...(JSON.parse(r.payload_json) as Record<string, unknown>),
          receivedAt: r.received_at,
        })),
      };
    },
  );

  app.get('/api/v1/sales/uplink', { config: { access: { permission: 'viewDevices' } } }, async () =>
    ctx.salesUplink
      ? { configured: true, pending: await ctx.salesUplink.pending(), ...ctx.salesUplink.status() }
      : { configured: false },
  );
}
