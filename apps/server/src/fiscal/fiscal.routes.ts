import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { describeZodError } from '@openkassa/contracts';
import { audit } from '../audit/index.js';
import { actorOf, badRequest, errorBody, oneStore, scoped, storeScope } from '../auth/index.js';
import type { ServerAppContext } from '../context.js';
import { fnBacklog } from './backlog.js';
import { knownFns, registerFn } from './fiscal.repo.js';
import { fiscalDocument, searchFiscal, type FiscalSearch } from './fiscal.query.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const FN = /^\d{16}$/;

/** The fiscal documents the relay holds: found by ФН, ФД, date or total, and one with its trail. */
export function register(
  app: FastifyInstance,
  ctx: Pick<ServerAppContext, 'db' | 'clock' | 'warnAges'>,
): void {
  const access = { config: { access: { permission: 'viewFiscal' as const, allStores: true } } };

  // ФН the relay accepts when it accepts only known ones (`--known-fn-only`).
  app.get('/api/v1/fiscal/fns', { config: { access: { permission: 'viewFiscal' } } }, async (req, reply) => {
    const s = oneStore(req.principal, (req.query as { store?: string }).store);
    if (!scoped(reply, s)) return;
    return { fns: await knownFns(ctx.db, s.stores) };
  });

  app.put(
    '/api/v1/fiscal/fns/:fn',
    { config: { access: { permission: 'manageDevices' } } },
    async (req, reply) => {
      const { fn } = req.params as { fn: string };
      if (!FN.test(fn)) return reply.code(400).send(badRequest('fn is the 16-digit ФН number'));
      const body = z
        .object({ store: z.string().regex(/^[\w.-]{1,64}$/, 'a store code') })
        .strict()
        .safeParse(req.body);
      if (!body.success) return reply.code(400).send(badRequest(describeZodError(body.error)));
      if (!scoped(reply, storeScope(req.principal, [body.data.store]))) return;
      const at = ctx.clock.now().toISOString();
      const by = actorOf(req.principal);
      await registerFn(ctx.db, { fn, store: body.data.store, at, by });
      await audit(
        ctx.db,
        { actor: by, action: 'fn.register', subject: fn, detail: { store: body.data.store } },
        at,
      );
      return { ok: true };
    },
  );

  app.get('/api/v1/fiscal/backlog', access, async (req) => {
    const q = req.query as Record<string, string | undefined>;
    return {
      fns: await fnBacklog(ctx.db, ctx.clock.now(), ctx.warnAges, q.all !== 'true' && q.all !== '1'),
    };
  });

  app.get('/api/v1/fiscal/documents', access, async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const int = (name: string, min: number, max: number) => {
      const v = q[name];
      if (v === undefined || v === '') return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max)
        throw new RangeError(`${name} must be a whole number ${min}..${max}`);
      return n;
    };
    let search: FiscalSearch;
    try {
      if (q.fn !== undefined && q.fn !== '' && !FN.test(q.fn))
        throw new RangeError('fn must be the 16-digit ФН number');
      for (const k of ['dateFrom', 'dateTo'])
        if (q[k] !== undefined && q[k] !== '' && !DAY.test(q[k]))
          throw new RangeError(`${k} is a day (YYYY-MM-DD)`);
      const after = q.after === undefined ? undefined : /^(\d{16})\/(\d{1,10})$/.exec(q.after);
      if (after === null) throw new RangeError('after is the next value of an earlier page (fn/fd)');
      const fd = int('fd', 1, 2 ** 32);
      const fdFrom = int('from', 1, 2 ** 32);
      const fdTo = int('to', 1, 2 ** 32);
      const total = int('total', 0, 2 ** 47);
      const limit = int('limit', 1, 10_000) ?? 1000;
      search = {
        limit,
        ...(q.fn && { fn: q.fn }),
        ...(fd !== undefined && { fd }),
        ...(fdFrom !== undefined && { fdFrom }),
        ...(fdTo !== undefined && { fdTo }),
        ...(q.dateFrom && { dateFrom: q.dateFrom }),
        ...(q.dateTo && { dateTo: q.dateTo }),
        ...(total !== undefined && { total }),
        ...(after && { after: { fn: after[1]!, fd: Number(after[2]) } }),
      };
    } catch (e) {
      return reply.code(400).send(badRequest((e as Error).message));
    }
    if (
      search.fn === undefined &&
      search.fd === undefined &&
      search.dateFrom === undefined &&
      search.dateTo === undefined &&
      search.total === undefined
    )
      return reply
        .code(400)
        .send(badRequest('say what to look for: fn (the 16-digit ФН number), fd, dateFrom/dateTo or total'));
    return searchFiscal(ctx.db, search);
  });

  app.get('/api/v1/fiscal/documents/:fn/:fd', access, async (req, reply) => {
    const { fn, fd } = req.params as { fn: string; fd: string };
    if (!FN.test(fn) || !/^\d{1,10}$/.test(fd) || Number(fd) < 1)
      return reply.code(400).send(badRequest('the address is /fiscal/documents/<16-digit ФН>/<ФД number>'));
    const doc = await fiscalDocument(ctx.db, fn, Number(fd));
    return (
      doc ??
      reply
        .code(404)
        .send(errorBody('not-found', `no fiscal document ${fd} of ФН ${fn} has reached this server`))
    );
  });
}
