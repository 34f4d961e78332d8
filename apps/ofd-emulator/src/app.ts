import Fastify, { type FastifyInstance } from 'fastify';
import type { Database } from '@openkassa/db';
import { toHex } from '@openkassa/fiscal';
import { FAULT_HELP, FAULT_MODES, isFaultMode, type FaultState } from './faults.js';
import { documentStats, listDocuments, type OfdSchema } from './store.js';

export interface OfdAppContext {
  readonly db: Database<OfdSchema>;
  readonly faults: { get(): FaultState; set(f: FaultState): Promise<void> };
}

function badRequest(message: string) {
  return { error: { code: 'bad-request', message } };
}

/** The emulator's HTTP API; built without listening so tests can inject requests. */
export function buildOfdApp(ctx: OfdAppContext): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });

  app.get('/healthz', () => ({ status: 'ok' }));

  app.get('/api/v1/documents', async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    if (q.fn !== undefined && !/^[0-9 ]{16}$/.test(q.fn))
      return reply.code(400).send(badRequest('fn must be the 16-character ФН number'));
    const limit = q.limit === undefined ? 1000 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100_000)
      return reply.code(400).send(badRequest('limit must be 1..100000'));
    const after = q.afterFd === undefined ? undefined : Number(q.afterFd);
    if (after !== undefined && (!Number.isInteger(after) || after < 0))
      return reply.code(400).send(badRequest('afterFd must be a whole number'));
    const rows = await listDocuments(ctx.db, {
      ...(q.fn !== undefined && { fn: q.fn }),
      ...(after !== undefined && { afterFd: after }),
      limit,
    });
    return {
      documents: rows.map((r) => ({
        fn: r.fn,
        fd: r.fd,
        form: r.form,
        ffd: r.ffd,
        total: r.total,
        timesReceived: r.times_received,
        flkOk: r.flk_ok === 1,
        flk: JSON.parse(r.flk_json) as unknown,
        answerCode: r.answer_code,
        firstReceivedAt: r.first_received_at,
        lastReceivedAt: r.last_received_at,
        fnsJson: r.fns_json === null ? null : (JSON.parse(r.fns_json) as unknown),
        ...(q.raw === '1' && { messageHex: toHex(new Uint8Array(r.message)) }),
      })),
    };
  });

  app.get('/api/v1/stats', async () => ({ byFn: await documentStats(ctx.db) }));

  app.get('/api/v1/faults', () => ({ ...ctx.faults.get(), modes: FAULT_HELP }));

  app.put('/api/v1/faults', async (req, reply) => {
    const body = req.body as { mode?: unknown; delayMs?: unknown } | null;
    if (typeof body !== 'object' || body === null || !isFaultMode(body.mode)) {
      return reply.code(400).send(badRequest(`mode must be one of ${FAULT_MODES.join(', ')}`));
    }
    const delay = body.delayMs ?? ctx.faults.get().delayMs;
    if (typeof delay !== 'number' || !Number.isInteger(delay) || delay < 0 || delay > 3_600_000) {
      return reply.code(400).send(badRequest('delayMs must be 0..3600000'));
    }
    await ctx.faults.set({ mode: body.mode, delayMs: delay });
    return ctx.faults.get();
  });

  return app;
}
