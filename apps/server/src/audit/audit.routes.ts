import type { FastifyInstance } from 'fastify';
import type { Database } from '@openkassa/db';
import { actorOf, badRequest } from '../auth/index.js';
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

  app.get('/api/v1/audit', { config: { access: { permission: 'viewAudit' } } }, async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const limit = q.limit === undefined ? 100 : Number(q.limit);
    const before = q.before === undefined ? undefined : Number(q.before);
    if (
      !Number.isInteger(limit) ||
      limit < 1 ||
      limit > 1000 ||
      (before !== undefined && !Number.isSafeInteger(before))
    )
      return reply.code(400).send(badRequest('limit is 1..1000 and before an entry number'));
    if (q.action !== undefined && !/^[\w.-]{1,64}$/.test(q.action))
      return reply.code(400).send(badRequest('action is an action name'));
    return {
      entries: await listAudit(db, {
        limit,
        ...(before !== undefined && { before }),
        ...(q.action && { action: q.action }),
      }),
    };
  });

  app.get('/api/v1/audit/verify', { config: { access: { permission: 'viewAudit' } } }, async (req) => {
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
