import type { FastifyInstance } from 'fastify';
import { auditApi } from '@openkassa/contracts';
import type { Database } from '@openkassa/db';
import { actorOf } from '../auth/index.js';
import { route } from '../route.js';
import { verifyAudit } from '../sales/index.js';
import type { ServerSchema } from '../schema.js';
import { audit, listAudit } from './audit.repo.js';

/** The audit log, newest first, and its check (the chain and every till document against it). */
export function register(
  app: FastifyInstance,
  ctx: { db: Database<ServerSchema>; clock: { now(): Date } },
): void {
  const { db } = ctx;
  const now = () => ctx.clock.now().toISOString();

  route(app, auditApi.list, { access: { permission: 'viewAudit' } }, async ({ query: q }) => ({
    entries: await listAudit(db, {
      limit: q.limit,
      ...(q.before !== undefined && { before: q.before }),
      ...(q.action && { action: q.action }),
    }),
  }));

  route(app, auditApi.verify, { access: { permission: 'viewAudit' } }, async (_input, req) => {
    const report = await verifyAudit(db);
    await audit(
      db,
      {
        actor: actorOf(req.principal),
        action: 'audit.verify',
        detail: { ok: report.ok, entries: report.entries },
      },
      now(),
    );
    return report;
  });
}
