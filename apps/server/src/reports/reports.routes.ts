import type { FastifyInstance } from 'fastify';
import { reportsApi } from '@openkassa/contracts';
import { oneStore, scoped } from '../auth/index.js';
import type { ServerAppContext } from '../context.js';
import { refuse } from '../errors.js';
import { route } from '../route.js';
import { verifyAudit } from '../sales/index.js';
import { anomaliesTable, anomalyReport } from './anomalies.js';
import { gapsTable, reconcile } from './reconciliation.js';
import { asFile, fileReplies, period } from './reports.http.js';
import { reportTable, salesReport } from './reports.repo.js';
import { cashiersTable, cashierReport, shiftsReport, shiftsTable } from './shifts.js';

/** Sales by a dimension, shifts (X/Z), cashiers, anomalies and reconciliation: as JSON or as files. */
export function register(app: FastifyInstance, ctx: Pick<ServerAppContext, 'db' | 'clock'>): void {
  const { tableReply } = fileReplies(ctx);
  const now = () => ctx.clock.now().toISOString();
  const reports = { access: { permission: 'viewReports' as const } };

  route(app, reportsApi.sales, reports, async ({ query: q }, req, reply) => {
    const p = period(reply, q, req.principal);
    if (!p) return;
    const rows = await salesReport(ctx.db, {
      by: q.by,
      from: p.from,
      to: p.to,
      ...(p.stores && { stores: p.stores }),
      ...(q.parent !== undefined && q.parent !== '' && { parent: q.parent }),
    });
    if (asFile(q.format))
      return tableReply(req, reply, q.format, reportTable(rows, q.by, `sales-by-${q.by}-${p.from}-${p.to}`));
    return { by: q.by, from: p.from, to: p.to, rows };
  });

  route(app, reportsApi.shifts, reports, async ({ query: q }, req, reply) => {
    const p = period(reply, q, req.principal);
    if (!p) return;
    if ((p.stores?.length ?? 0) > 1)
      return refuse(reply, 'bad-request', `store is one store code here (one of ${p.stores!.join(', ')})`);
    // a page for the screen; a CSV file has every shift unless told otherwise
    const limit = q.limit ?? (asFile(q.format) ? 200_000 : 1000);
    const after = q.after?.split('/');
    const shifts = await shiftsReport(ctx.db, {
      from: p.from,
      to: p.to,
      ...(p.stores?.[0] !== undefined && { store: p.stores[0] }),
      ...(q.till !== undefined && { till: q.till }),
      ...(after && { after: { store: after[0]!, till: after[1]!, shift: Number(after[2]) } }),
      limit,
    });
    const last = shifts.length === limit ? shifts.at(-1) : undefined;
    const next = last ? `${last.store}/${last.till}/${last.shift}` : null;
    if (asFile(q.format))
      return tableReply(req, reply, q.format, shiftsTable(shifts, `shifts-${p.from}-${p.to}`));
    return { from: p.from, to: p.to, shifts, next };
  });

  route(app, reportsApi.cashiers, reports, async ({ query: q }, req, reply) => {
    const p = period(reply, q, req.principal);
    if (!p) return;
    const rows = await cashierReport(ctx.db, {
      from: p.from,
      to: p.to,
      ...(p.stores && { stores: p.stores }),
    });
    if (asFile(q.format))
      return tableReply(req, reply, q.format, cashiersTable(rows, `cashiers-${p.from}-${p.to}`));
    return { from: p.from, to: p.to, cashiers: rows };
  });

  route(app, reportsApi.anomalies, reports, async ({ query: q }, req, reply) => {
    const p = period(reply, q, req.principal);
    if (!p) return;
    const r = await anomalyReport(ctx.db, { from: p.from, to: p.to, ...(p.stores && { stores: p.stores }) });
    if (asFile(q.format))
      return tableReply(req, reply, q.format, anomaliesTable(r.rows, `anomalies-${p.from}-${p.to}`));
    return { from: p.from, to: p.to, ...r };
  });

  route(app, reportsApi.reconciliation, reports, async ({ query: q }, req, reply) => {
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
