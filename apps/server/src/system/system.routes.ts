import type { FastifyInstance } from 'fastify';
import { backofficeFiles } from '@openkassa/backoffice';
import { systemApi } from '@openkassa/contracts';
import { healthReport, withoutDetails } from '@openkassa/runtime';
import type { ServerAppContext } from '../context.js';
import { openapi } from '../openapi.js';
import { route } from '../route.js';

/** What a monitor and a browser reach without logging in: health, metrics, the API's description, the back office's pages. */
export function register(
  app: FastifyInstance,
  ctx: Pick<ServerAppContext, 'db' | 'metrics' | 'workers'>,
): void {
  // The back office: its pages are public, the API they call is not.
  for (const f of backofficeFiles())
    app.get(f.path, { config: { access: 'public' } }, (_req, reply) =>
      reply.type(f.type).header('cache-control', 'no-cache').send(f.body),
    );

  route(app, systemApi.health, { access: 'public' }, async (_input, req, reply) => {
    const h = healthReport(await ctx.db.health(), ctx.workers?.health() ?? []);
    // open for monitoring; the errors' own words (addresses, names) only with credentials
    return reply.code(h.status === 'ok' ? 200 : 503).send(req.principal ? h : withoutDetails(h));
  });

  route(app, systemApi.metrics, { access: 'public' }, async (_input, _req, reply) =>
    reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics()),
  );

  route(app, systemApi.openapi, { access: 'public' }, () => openapi);
}
