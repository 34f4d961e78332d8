import type { FastifyInstance } from 'fastify';
import { badRequest, oneStore, scoped } from '../auth/index.js';
import type { ServerAppContext } from '../context.js';
import { verifyAudit } from '../sales/index.js';
import { anomaliesTable, anomalyReport } from './anomalies.js';
import { gapsTable, reconcile } from './reconciliation.js';
import { asFile, fileReplies, period, reportRoute } from './reports.http.js';
import { DIMENSIONS, reportTable, salesReport, type Dimension } from './reports.repo.js';
import { cashiersTable, cashierReport, shiftsReport, shiftsTable } from './shifts.js';

/** Sales by a dimension, shifts (X/Z), cashiers, anomalies and reconciliation: as JSON or as files. */
export function register(app: FastifyInstance, ctx: Pick<ServerAppContext, 'db' | 'clock'>): void {
  const { tableReply } = fileReplies(ctx);
  const now = () => ctx.clock.now().toISOString();

  app.get('/api/v1/reports/sales', reportRoute, async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    if (!q.by || !(DIMENSIONS as readonly string[]).includes(q.by))
      return reply.code(400).send(badRequest(`by is one of ${DIMENSIONS.join(', ')}`));
    const p = period(q, req.principal);
    if ('refused' in p) return reply.code(p.refused.status).send(badRequest(p.refused.message));
    const rows = await salesReport(ctx.db, {
      by: q.by as Dimension,
      from: p.from,
      to: p.to,
      ...(p.stores && { stores: p.stores }),
      ...(q.parent !== undefined && q.parent !== '' && { parent: q.parent }),
    });
    if (asFile(q.format))
      return tableReply(
        req,
        reply,
        q.format,
        reportTable(rows, q.by as Dimension, `sales-by-${q.by}-${p.from}-${p.to}`),
      );
    return { by: q.by, from: p.from, to: p.to, rows };
  });

  app.get('/api/v1/reports/shifts', reportRoute, async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const p = period(q, req.principal);
    if ('refused' in p) return reply.code(p.refused.status).send(badRequest(p.refused.message));
    if ((p.stores?.length ?? 0) > 1)
      return reply
        .code(400)
        .send(badRequest(`store is one store code here (one of ${p.stores!.join(', ')})`));
    if (q.till !== undefined && !/^[\w.-]{1,64}$/.test(q.till))
      return reply.code(400).send(badRequest('till is a till code'));
    // a page for the screen; a CSV file has every shift unless told otherwise
    const limit = q.limit === undefined ? (asFile(q.format) ? 200_000 : 1000) : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200_000)
      return reply.code(400).send(badRequest('limit is a whole number 1..200000'));
    const after =
      q.after === undefined ? undefined : /^([\w.-]{1,64})\/([\w.-]{1,64})\/(\d{1,9})$/.exec(q.after);
    if (after === null)
      return reply.code(400).send(badRequest('after is store/till/shift, as `next` gives it'));
    const shifts = await shiftsReport(ctx.db, {
      from: p.from,
      to: p.to,
      ...(p.stores?.[0] !== undefined && { store: p.stores[0] }),
      ...(q.till !== undefined && { till: q.till }),
      ...(after && { after: { store: after[1]!, till: after[2]!, shift: Number(after[3]) } }),
      limit,
    });
    const last = shifts.length === limit ? shifts.at(-1) : undefined;
    const next = last ? `${last.store}/${last.till}/${last.shift}` : null;
    if (asFile(q.format))
      return tableReply(req, reply, q.format, shiftsTable(shifts, `shifts-${p.from}-${p.to}`));
    return { from: p.from, to: p.to, shifts, next };
  });

  app.get('/api/v1/reports/cashiers', reportRoute, async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const p = period(q, req.principal);
    if ('refused' in p) return reply.code(p.refused.status).send(badRequest(p.refused.message));
    const rows = await cashierReport(ctx.db, {
      from: p.from,
      to: p.to,
      ...(p.stores && { stores: p.stores }),
    });
    if (asFile(q.format))
      return tableReply(req, reply, q.format, cashiersTable(rows, `cashiers-${p.from}-${p.to}`));
    return { from: p.from, to: p.to, cashiers: rows };
  });

  app.get('/api/v1/reports/anomalies', reportRoute, async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const p = period(q, req.principal);
    if ('refused' in p) return reply.code(p.refused.status).send(badRequest(p.refused.message));
    const r = await anomalyReport(ctx.db, { from: p.from, to: p.to, ...(p.stores && { stores: p.stores }) });
    if (asFile(q.format))
      return tableReply(req, reply, q.format, anomaliesTable(r.rows, `anomalies-${p.from}-${p.to}`));
    return { from: p.from, to: p.to, ...r };
  });

  app.get('/api/v1/reports/reconciliation', reportRoute, async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    if (q.store !== undefined && !/^[\w.-]{1,64}$/.test(q.store))
      return reply.code(400).send(badRequest('store is a store code'));
    const s = oneStore(req.principal, q.store);
    if (!scoped(reply, s)) return;
    const store = s.stores?.[0];
    // the gaps as a file: what to chase, one line each (the file has them all, up to 100,000 per kind)
    if (asFile(q.format))
      return tableReply(
        req,
        reply,
        q.format,
        gapsTable(
          (await reconcile(ctx.db, { ...(store !== undefined && { store }), limit: 100_000 })).gaps,
          `reconciliation-${store ?? 'all'}-${now().slice(0, 10)}`,
        ),
      );
    // and whether the stored documents are still as they were recorded (audit log, hashes)
    const v = await verifyAudit(ctx.db, { ...(store !== undefined && { store }) });
    return {
      ...(await reconcile(ctx.db, { ...(store !== undefined && { store }) })),
      integrity: { ok: v.ok, firstBroken: v.firstBroken, problems: v.problems, moreProblems: v.moreProblems },
    };
  });
}
