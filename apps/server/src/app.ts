import Fastify, { type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Database } from '@openkassa/db';
import { fnBacklog, type WarnAge } from './fiscal/backlog.js';
import type { Metrics } from './metrics.js';
import { openapi } from './openapi.js';
import type { ServerSchema } from './schema.js';

export interface ServerAppContext {
  readonly db: Database<ServerSchema>;
  readonly metrics: Metrics;
  readonly warnAges: readonly WarnAge[];
  readonly clock: { now(): Date };
}

const badRequest = (message: string) => ({ error: { code: 'bad-request', message } });

/** The HTTP app; built without listening (tests use inject). */
export function buildServerApp(ctx: ServerAppContext): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });

  app.get('/healthz', async (_req, reply) => {
    try {
      await sql`select 1`.execute(ctx.db.db);
      return { status: 'ok' };
    } catch (e) {
      return reply.code(503).send({ status: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  });

  app.get('/metrics', async (_req, reply) =>
    reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics()),
  );

  app.get('/api/v1/openapi.json', () => openapi);

  app.get('/api/v1/fiscal/backlog', async (req) => {
    const q = req.query as Record<string, string | undefined>;
    return { fns: await fnBacklog(ctx.db, ctx.clock.now(), ctx.warnAges, q.all !== 'true' && q.all !== '1') };
  });

  app.get('/api/v1/fiscal/documents', async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    if (q.fn === undefined || !/^\d{16}$/.test(q.fn))
      return reply.code(400).send(badRequest('fn must be the 16-digit ФН number'));
    const int = (v: string | undefined, name: string, min: number, max: number, dflt?: number) => {
      if (v === undefined) return dflt;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max)
        throw new RangeError(`${name} must be a whole number ${min}..${max}`);
      return n;
    };
    let from: number | undefined, to: number | undefined, limit: number;
    try {
      from = int(q.from, 'from', 1, 2 ** 31);
      to = int(q.to, 'to', 1, 2 ** 31);
      limit = int(q.limit, 'limit', 1, 10_000, 1000)!;
    } catch (e) {
      return reply.code(400).send(badRequest((e as Error).message));
    }
    let sel = ctx.db.db
      .selectFrom('fiscal_messages as m')
      .leftJoin('fiscal_documents as d', (j) => j.onRef('d.fn', '=', 'm.fn').onRef('d.fd', '=', 'm.fd'))
      .select([
        'm.fn',
        'm.fd',
        'm.form',
        'm.state',
        'm.first_received_at',
        'm.forwarded_at',
        'm.answered_at',
        'm.answer_code',
        'm.times_received',
        'm.attempts',
        'm.last_error',
        'd.fiscal_time',
        'd.total',
        'd.flk_ok',
        'd.fns_json',
      ])
      .where('m.fn', '=', q.fn)
      .orderBy('m.fd')
      .limit(limit);
    if (from !== undefined) sel = sel.where('m.fd', '>=', from);
    if (to !== undefined) sel = sel.where('m.fd', '<=', to);
    const rows = await sel.execute();
    return {
      documents: rows.map((r) => ({
        fn: r.fn,
        fd: r.fd,
        form: r.form,
        state: r.state,
        receivedAt: r.first_received_at,
        forwardedAt: r.forwarded_at,
        answeredAt: r.answered_at,
        answerCode: r.answer_code,
        timesReceived: r.times_received,
        attempts: r.attempts,
        lastError: r.last_error,
        parsed:
          r.fns_json === null
            ? null
            : {
                fiscalTime: r.fiscal_time,
                total: r.total,
                flkOk: r.flk_ok === 1,
                fnsJson: JSON.parse(r.fns_json) as unknown,
              },
      })),
    };
  });

  return app;
}
