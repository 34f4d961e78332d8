import Fastify, { type FastifyInstance } from 'fastify';
import type { Database } from '@openkassa/db';
import type { RequestQueue } from './atol/queue.js';
import type { FiscalDrive } from './fn/fiscal-drive.js';
import type { OfdExchange } from './exchange/ofd-exchange.js';
import type { KktSchema } from './store.js';

export interface KktAppContext {
  readonly db: Database<KktSchema>;
  readonly drive: FiscalDrive;
  readonly queue: RequestQueue;
  readonly exchange: OfdExchange;
}

const MAX_TASKS = 100;

function badRequest(description: string) {
  return { error: { code: 400, description } };
}

/** ATOL Web Server JSON-task API plus the ФН status; built without listening. */
export function buildKktApp(ctx: KktAppContext): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });

  app.get('/healthz', () => ({ status: 'ok' }));

  app.post('/api/v2/requests', async (req, reply) => {
    const body = req.body as { uuid?: unknown; request?: unknown } | null;
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return reply.code(400).send(badRequest('the body must be a JSON object'));
    if (typeof body.uuid !== 'string' || !/^[\w-]{1,128}$/.test(body.uuid)) {
      return reply.code(400).send(badRequest('uuid must be 1..128 letters, digits, "_" or "-"'));
    }
    const tasks = Array.isArray(body.request)
      ? (body.request as unknown[])
      : body.request === undefined
        ? []
        : [body.request];
    if (tasks.length === 0)
      return reply.code(400).send(badRequest('request must be a task or a non-empty array of tasks'));
    if (tasks.length > MAX_TASKS)
      return reply.code(400).send(badRequest(`at most ${MAX_TASKS} tasks per request`));
    const r = await ctx.queue.submit(body.uuid, tasks);
    if (!r.ok)
      return reply
        .code(409)
        .send({ error: { code: 409, description: `request ${body.uuid} already exists` } });
    return reply.code(201).send({ number: r.number, uuid: body.uuid, isBlocked: false, blockedUUID: '' });
  });

  app.get('/api/v2/requests/:uuid', async (req, reply) => {
    const { uuid } = req.params as { uuid: string };
    const results = await ctx.queue.results(uuid);
    if (!results)
      return reply.code(404).send({ error: { code: 404, description: `request ${uuid} not found` } });
    return { results };
  });

  app.get('/api/v1/fn', async () => {
    const st = await ctx.db.db.selectFrom('fn_state').selectAll().executeTakeFirstOrThrow();
    const backlog = await ctx.drive.ofdBacklog(ctx.db.db);
    const oldest = backlog.oldest;
    return {
      fnNumber: st.fn,
      ffd: st.ffd,
      emulated: true,
      lastFd: st.last_fd,
      shift: {
        state: ctx.drive.shiftState(st),
        number: st.shift_number,
        openedAt: st.shift_opened_at,
        receipts: st.receipts_in_shift,
      },
      unconfirmed: backlog.count,
      oldestUnconfirmed: oldest
        ? {
            fd: oldest.fd,
            createdAt: oldest.created_at,
            fiscalTime: ctx.drive.isoLocal(oldest.fiscal_time),
            ageSeconds: Math.floor((backlog.ageMs ?? 0) / 1000),
          }
        : null,
      blocked: backlog.blocked,
      exchange: ctx.exchange.status(),
    };
  });

  app.get('/api/v1/fn/documents', async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const from = q.fromFd === undefined ? 1 : Number(q.fromFd);
    const limit = q.limit === undefined ? 1000 : Number(q.limit);
    if (!Number.isInteger(from) || from < 1)
      return reply.code(400).send(badRequest('fromFd must be a positive whole number'));
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
      return reply.code(400).send(badRequest('limit must be 1..10000'));
    const rows = await ctx.db.db
      .selectFrom('fn_documents')
      .select([
        'fd',
        'form',
        'fiscal_time',
        'created_at',
        'shift_number',
        'confirmed_at',
        'answer_code',
        'attempts',
        'last_error',
      ])
      .where('fd', '>=', from)
      .orderBy('fd')
      .limit(limit)
      .execute();
    return {
      documents: rows.map((r) => ({
        fd: r.fd,
        form: r.form,
        fiscalTime: ctx.drive.isoLocal(r.fiscal_time),
        createdAt: r.created_at,
        shiftNumber: r.shift_number,
        confirmedAt: r.confirmed_at,
        answerCode: r.answer_code,
        attempts: r.attempts,
        lastError: r.last_error,
      })),
    };
  });

  return app;
}
