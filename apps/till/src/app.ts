import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { readRouteInput, tillApi, type RouteInput, type RouteSpec } from '@openkassa/contracts';
import type { Database } from '@openkassa/db';
import {
  healthReport,
  withoutDetails,
  workerWithoutDetails,
  type Supervisor,
  type UplinkStatus,
} from '@openkassa/runtime';
import { can, ROLE_NAMES, userByPin, type Sessions, type User } from './auth/index.js';
import { importProducts, productCount, scan, searchProducts } from './catalog/index.js';
import type { Outcome, TillService } from './sales/index.js';
import type { TillSchema } from './schema.js';
import type { LayoutSettings } from './settings.js';

export interface TillAppContext {
  readonly db: Database<TillSchema>;
  readonly till: TillService;
  readonly sessions: Sessions;
  readonly store: string;
  readonly tillId: string;
  readonly layouts: Pick<LayoutSettings, 'current' | 'set'>;
  /** The catalogue feed from the server, when the till has one. */
  readonly catalog?: () => { cursor: number; online: boolean; lastError: string | null };
  /** Messages from the office, newest last. */
  readonly messages?: () => readonly { id: string; text: string; at: string; kind: string }[];
  readonly upload: { status(): UplinkStatus; pending(): Promise<number>; rejected(): Promise<number> };
  /** The till's background loops (upload, catalogue, heartbeat), for /healthz and /api/status. */
  readonly workers?: Pick<Supervisor, 'health'>;
}

const UI_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

const error = (code: string, message: string) => ({ error: { code, message } });

/** The till's local HTTP app: the cashier's web UI and the API it uses. Built without listening. */
export function buildTillApp(ctx: TillAppContext): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 32 * 1024 * 1024 });
  const uiDir = fileURLToPath(new URL('./ui/', import.meta.url));
  const ui = Object.fromEntries(
    Object.entries(UI_FILES).map(([path, f]) => [path, { body: readFileSync(uiDir + f.file), type: f.type }]),
  );
  for (const [path, f] of Object.entries(ui))
    app.get(path, (_req, reply) => reply.type(f.type).header('cache-control', 'no-cache').send(f.body));

  const sessionUser = (req: FastifyRequest): User | undefined => {
    const h = req.headers.authorization;
    return ctx.sessions.user(h?.startsWith('Bearer ') ? h.slice(7) : undefined);
  };

  const answer = <T>(reply: FastifyReply, r: Outcome<T>) =>
    r.ok
      ? r.value
      : reply
          .code(r.code === 'forbidden' || r.code === 'approval-needed' ? 403 : 409)
          .send(error(r.code, r.message));

  /**
   * A route of the till's API from its spec: a cashier's session first (unless the spec is
   * public), then the inputs read through the spec's schemas.
   */
  const route = <S extends RouteSpec>(
    spec: S,
    handler: (
      input: RouteInput<S>,
      user: User | undefined,
      req: FastifyRequest,
      reply: FastifyReply,
    ) => unknown,
  ) =>
    app.route({
      method: spec.method,
      url: spec.url,
      handler: async (req, reply) => {
        const user = sessionUser(req);
        if (!spec.public && !user) return reply.code(401).send(error('not-logged-in', 'Войдите по PIN-коду'));
        const input = readRouteInput(spec, { params: req.params, query: req.query, body: req.body });
        if (!input.ok) return reply.code(400).send(error('bad-request', input.message));
        return handler(input.value, user, req, reply);
      },
    });
  /** The same for a route only a logged-in cashier calls. */
  const cashier = <S extends RouteSpec>(
    spec: S,
    handler: (input: RouteInput<S>, user: User, req: FastifyRequest, reply: FastifyReply) => unknown,
  ) => route(spec, (input, user, req, reply) => handler(input, user!, req, reply));
  const forbidden = (reply: FastifyReply) =>
    reply.code(403).send(error('forbidden', 'Недостаточно прав для этой операции'));

  // `degraded` (503) naming a background worker waiting to be started again, or the database away
  // the errors' own text (addresses, paths) to a logged-in session only
  route(tillApi.health, async (_input, user, _req, reply) => {
    const h = healthReport(await ctx.db.health(), ctx.workers?.health() ?? []);
    return reply.code(h.status === 'ok' ? 200 : 503).send(user ? h : withoutDetails(h));
  });

  route(tillApi.login, async ({ body }, _user, _req, reply) => {
    const user = await userByPin(ctx.db, body.pin);
    if (!user) return reply.code(401).send(error('bad-pin', 'Неверный PIN-код'));
    return { token: ctx.sessions.open(user), user: { ...user, roleName: ROLE_NAMES[user.role] } };
  });

  route(tillApi.logout, (_input, _user, req) => {
    const h = req.headers.authorization;
    if (h?.startsWith('Bearer ')) ctx.sessions.close(h.slice(7));
    return { ok: true };
  });

  // Open for monitoring and for the login screen: counts and states. What names this store, this
  // till, its people or its errors (the store and till codes, the user, the office's messages,
  // the text of a link or worker error) is for a logged-in session only.
  route(tillApi.status, async (_input, user) => {
    const shift = await ctx.till.shift();
    const link = ctx.upload.status();
    const catalog = ctx.catalog?.() ?? null;
    const counts = {
      queue: await ctx.upload.pending(),
      rejected: await ctx.upload.rejected(),
      kktPending: await ctx.till.pendingCount(),
      products: await productCount(ctx.db),
    };
    const workers = ctx.workers?.health() ?? [];
    if (!user)
      return {
        user: null,
        shift: { number: shift.number, open: shift.open },
        link: { online: link.online },
        workers: workers.map(workerWithoutDetails),
        ...counts,
        catalog: catalog && { cursor: catalog.cursor, online: catalog.online },
      };
    return {
      store: ctx.store,
      till: ctx.tillId,
      user: { ...user, roleName: ROLE_NAMES[user.role] },
      shift,
      link,
      workers,
      ...counts,
      catalog,
      messages: ctx.messages?.() ?? [],
    };
  });

  cashier(tillApi.scan, async ({ query: q }, _user, _req, reply) => {
    const r = await scan(ctx.db, q.code, ctx.layouts.current(), q.qty);
    return r.ok ? r.line : reply.code(404).send(error('unknown-barcode', r.message));
  });

  cashier(tillApi.search, async ({ query }) => {
    return { products: await searchProducts(ctx.db, query.q) };
  });

  cashier(tillApi.openShift, async (_input, user, _req, reply) =>
    answer(reply, await ctx.till.openShift(user)),
  );
  cashier(tillApi.closeShift, async (_input, user, _req, reply) =>
    answer(reply, await ctx.till.closeShift(user)),
  );
  cashier(tillApi.xReport, async (_input, user, _req, reply) => answer(reply, await ctx.till.xReport(user)));

  cashier(tillApi.sale, async ({ body }, user, _req, reply) =>
    answer(reply, await ctx.till.sell(user, body, body.approvalPin)),
  );

  cashier(tillApi.void, async ({ body }, user, _req, reply) =>
    answer(reply, await ctx.till.recordVoid(user, body.lines, body.approvalPin)),
  );

  cashier(tillApi.return, async ({ body }, user, _req, reply) =>
    answer(reply, await ctx.till.returnByReceipt(user, body, body.approvalPin)),
  );

  cashier(tillApi.freeReturn, async ({ body }, user, _req, reply) =>
    answer(reply, await ctx.till.returnWithoutReceipt(user, body, body.approvalPin)),
  );

  cashier(tillApi.cash, async ({ body }, user, _req, reply) =>
    answer(reply, await ctx.till.cashMove(user, body.direction, body.amount, body.approvalPin)),
  );

  cashier(tillApi.documents, async ({ query }) => ({
    documents: await ctx.till.recentDocuments(query.limit),
  }));

  cashier(tillApi.document, async ({ params: { number: n } }, _user, _req, reply) => {
    const d = await ctx.till.document({ number: n });
    return d ?? reply.code(404).send(error('no-receipt', `Документ № ${n} не найден`));
  });

  cashier(tillApi.settings, () => ({ weightedLayouts: ctx.layouts.current() }));

  cashier(tillApi.weightedLayouts, async ({ body }, user, _req, reply) => {
    if (!can(user, 'catalog')) return forbidden(reply);
    const bad = await ctx.layouts.set(body.layouts);
    return bad ? reply.code(400).send(error('bad-layout', bad)) : { weightedLayouts: ctx.layouts.current() };
  });

  cashier(tillApi.catalogImport, async ({ body }, user, _req, reply) => {
    if (!can(user, 'catalog')) return forbidden(reply);
    return { imported: await importProducts(ctx.db, body.products) };
  });

  return app;
}
