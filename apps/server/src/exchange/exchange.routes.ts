import type { FastifyInstance } from 'fastify';
import { reportsApi } from '@openkassa/contracts';
import { audit } from '../audit/index.js';
import { actorOf } from '../auth/index.js';
import type { ServerAppContext } from '../context.js';
import { refuse } from '../errors.js';
import { fileReplies, period } from '../reports/index.js';
import { route } from '../route.js';
import { salesCommerceMl, salesCsv, storeDaySales } from './sales-export.js';

/** Sales per day and store for the accounting system: JSON, CSV or CommerceML 2. */
export function register(app: FastifyInstance, ctx: Pick<ServerAppContext, 'db' | 'clock'>): void {
  const { fileReply } = fileReplies(ctx);
  const now = () => ctx.clock.now().toISOString();

  route(
    app,
    reportsApi.salesExport,
    { access: { permission: 'export' } },
    async ({ query: q }, req, reply) => {
      const p = period(reply, q, req.principal);
      if (!p) return;
      if (Date.parse(p.to) - Date.parse(p.from) > 30 * 86_400_000)
        return refuse(reply, 'bad-request', 'at most 31 days per request');
      if ((p.stores?.length ?? 0) > 1)
        return refuse(reply, 'bad-request', `store is one store code here (one of ${p.stores!.join(', ')})`);
      const format = q.format;
      await audit(
        ctx.db,
        {
          actor: actorOf(req.principal),
          action: 'export.sales',
          subject: p.stores?.[0] ?? '*',
          detail: { from: p.from, to: p.to, format },
        },
        now(),
      );
      const days = await storeDaySales(ctx.db, p.from, p.to, p.stores?.[0]);
      const name = `sales-${p.stores?.[0] ?? 'all'}-${p.from}-${p.to}`;
      if (format === 'csv') return fileReply(req, reply, name, 'csv', salesCsv(days), true);
      if (format === 'cml')
        return reply
          .type('application/xml; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name}.xml"`)
          .send(salesCommerceMl(days, ctx.clock.now().toISOString()));
      return { from: p.from, to: p.to, days };
    },
  );
}
