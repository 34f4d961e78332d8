import type { FastifyInstance } from 'fastify';
import { fiscalApi } from '@openkassa/contracts';
import { audit } from '../audit/index.js';
import { actorOf, oneStore, scoped, storeScope } from '../auth/index.js';
import type { ServerAppContext } from '../context.js';
import { refuse } from '../errors.js';
import { route } from '../route.js';
import { fnBacklog } from './backlog.js';
import { knownFns, registerFn } from './fiscal.repo.js';
import { fiscalDocument, searchFiscal } from './fiscal.query.js';

/** The fiscal documents the relay holds: found by ФН, ФД, date or total, and one with its trail. */
export function register(
  app: FastifyInstance,
  ctx: Pick<ServerAppContext, 'db' | 'clock' | 'warnAges'>,
): void {
  const chainWide = { permission: 'viewFiscal' as const, allStores: true };

  // ФН the relay accepts when it accepts only known ones (`--known-fn-only`).
  route(app, fiscalApi.fns, { access: { permission: 'viewFiscal' } }, async ({ query }, req, reply) => {
    const s = oneStore(req.principal, query.store);
    if (!scoped(reply, s)) return;
    return { fns: await knownFns(ctx.db, s.stores) };
  });

  route(
    app,
    fiscalApi.registerFn,
    { access: { permission: 'manageDevices' } },
    async ({ params: { fn }, body }, req, reply) => {
      if (!scoped(reply, storeScope(req.principal, [body.store]))) return;
      const at = ctx.clock.now().toISOString();
      const by = actorOf(req.principal);
      await registerFn(ctx.db, { fn, store: body.store, at, by });
      await audit(
        ctx.db,
        { actor: by, action: 'fn.register', subject: fn, detail: { store: body.store } },
        at,
      );
      return { ok: true };
    },
  );

  route(app, fiscalApi.backlog, { access: chainWide }, async ({ query }) => ({
    fns: await fnBacklog(ctx.db, ctx.clock.now(), ctx.warnAges, query.all !== 'true' && query.all !== '1'),
  }));

  route(app, fiscalApi.documents, { access: chainWide }, async ({ query: q }) => {
    const after = q.after === undefined ? undefined : q.after.split('/');
    return searchFiscal(ctx.db, {
      limit: q.limit ?? 1000,
      ...(q.fn !== undefined && { fn: q.fn }),
      ...(q.fd !== undefined && { fd: q.fd }),
      ...(q.from !== undefined && { fdFrom: q.from }),
      ...(q.to !== undefined && { fdTo: q.to }),
      ...(q.dateFrom !== undefined && { dateFrom: q.dateFrom }),
      ...(q.dateTo !== undefined && { dateTo: q.dateTo }),
      ...(q.total !== undefined && { total: q.total }),
      ...(after && { after: { fn: after[0]!, fd: Number(after[1]) } }),
    });
  });

  route(app, fiscalApi.document, { access: chainWide }, async ({ params: { fn, fd } }, _req, reply) => {
    const doc = await fiscalDocument(ctx.db, fn, fd);
    return doc ?? refuse(reply, 'not-found', `no fiscal document ${fd} of ФН ${fn} has reached this server`);
  });
}
