import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { describeZodError } from '@openkassa/contracts';
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

const kopecks = z
  .number()
  .int()
  .min(0)
  .max(2 ** 47);
const scannedLine = z.object({
  barcode: z.string().min(1).max(64),
  quantity: z.string().max(16).optional(),
});
const lines = z.array(scannedLine).min(1).max(500);
/** A supervisor's PIN, for an operation beyond the cashier's role. */
const approvalPin = z.string().max(16).optional();
const saleBody = z.object({
  // a price other than the catalogue's (kopecks) is a price override
  lines: z
    .array(scannedLine.extend({ price: kopecks.optional() }))
    .min(1)
    .max(500),
  card: kopecks,
  cashTendered: kopecks,
  approvalPin,
});
const returnBody = z.object({
  number: z.number().int().min(1),
  lines: z.array(z.number().int().min(0)).max(500).optional(),
  approvalPin,
});
const freeReturnBody = z.object({ lines, card: kopecks, approvalPin });
const voidBody = z.object({ lines, approvalPin });
const cashBody = z.object({ direction: z.enum(['in', 'out']), amount: kopecks, approvalPin });
const layoutsBody = z.object({
  layouts: z
    .array(
      z.object({
        prefixes: z
          .array(z.string().regex(/^\d{2}$/))
          .min(1)
          .max(10),
        mask: z.string().length(13),
      }),
    )
    .max(10),
});
const catalogBody = z.object({
  products: z
    .array(
      z.object({
        id: z.string().min(1).max(64),
        name: z.string().min(1).max(128),
        price: kopecks,
        vat: z.number().int().min(1).max(12),
        weighted: z.boolean().default(false),
        plu: z.string().max(16).optional(),
        article: z.string().max(64).optional(),
        barcodes: z.array(z.string().min(1).max(64)).max(50).default([]),
      }),
    )
    .max(100_000),
});

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

  // `degraded` (503) naming a background worker waiting to be started again, or the database away
  // the errors' own text (addresses, paths) to a logged-in session only
  app.get('/healthz', async (req, reply) => {
    const h = healthReport(await ctx.db.health(), ctx.workers?.health() ?? []);
    return reply.code(h.status === 'ok' ? 200 : 503).send(sessionUser(req) ? h : withoutDetails(h));
  });

  const auth = (req: FastifyRequest, reply: FastifyReply): User | undefined => {
    const user = sessionUser(req);
    if (!user) void reply.code(401).send(error('not-logged-in', 'Войдите по PIN-коду'));
    return user;
  };
  const parse = <T>(schema: z.ZodType<T>, body: unknown, reply: FastifyReply): T | undefined => {
    const r = schema.safeParse(body);
    if (!r.success) void reply.code(400).send(error('bad-request', describeZodError(r.error)));
    return r.success ? r.data : undefined;
  };
  const answer = <T>(reply: FastifyReply, r: Outcome<T>) =>
    r.ok
      ? r.value
      : reply
          .code(r.code === 'forbidden' || r.code === 'approval-needed' ? 403 : 409)
          .send(error(r.code, r.message));

  app.post('/api/login', async (req, reply) => {
    const body = parse(z.object({ pin: z.string().max(16) }), req.body, reply);
    if (!body) return;
    const user = await userByPin(ctx.db, body.pin);
    if (!user) return reply.code(401).send(error('bad-pin', 'Неверный PIN-код'));
    return { token: ctx.sessions.open(user), user: { ...user, roleName: ROLE_NAMES[user.role] } };
  });

  app.post('/api/logout', (req) => {
    const h = req.headers.authorization;
    if (h?.startsWith('Bearer ')) ctx.sessions.close(h.slice(7));
    return { ok: true };
  });

  // Open for monitoring and for the login screen: counts and states. What names this store, this
  // till, its people or its errors (the store and till codes, the user, the office's messages,
  // the text of a link or worker error) is for a logged-in session only.
  app.get('/api/status', async (req) => {
    const user = sessionUser(req);
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

  app.get('/api/scan', async (req, reply) => {
    if (!auth(req, reply)) return;
    const q = req.query as { code?: string; qty?: string };
    if (!q.code) return reply.code(400).send(error('bad-request', 'code is required'));
    const r = await scan(ctx.db, q.code, ctx.layouts.current(), q.qty);
    return r.ok ? r.line : reply.code(404).send(error('unknown-barcode', r.message));
  });

  app.get('/api/search', async (req, reply) => {
    if (!auth(req, reply)) return;
    const q = (req.query as { q?: string }).q ?? '';
    return { products: await searchProducts(ctx.db, q.slice(0, 64)) };
  });

  app.post('/api/shift/open', async (req, reply) => {
    const user = auth(req, reply);
    return user && answer(reply, await ctx.till.openShift(user));
  });
  app.post('/api/shift/close', async (req, reply) => {
    const user = auth(req, reply);
    return user && answer(reply, await ctx.till.closeShift(user));
  });
  app.post('/api/report/x', async (req, reply) => {
    const user = auth(req, reply);
    return user && answer(reply, await ctx.till.xReport(user));
  });

  app.post('/api/sale', async (req, reply) => {
    const user = auth(req, reply);
    const body = user && parse(saleBody, req.body, reply);
    return user && body && answer(reply, await ctx.till.sell(user, body, body.approvalPin));
  });

  app.post('/api/void', async (req, reply) => {
    const user = auth(req, reply);
    const body = user && parse(voidBody, req.body, reply);
    return user && body && answer(reply, await ctx.till.recordVoid(user, body.lines, body.approvalPin));
  });

  app.post('/api/return', async (req, reply) => {
    const user = auth(req, reply);
    const body = user && parse(returnBody, req.body, reply);
    return user && body && answer(reply, await ctx.till.returnByReceipt(user, body, body.approvalPin));
  });

  app.post('/api/return/without-receipt', async (req, reply) => {
    const user = auth(req, reply);
    const body = user && parse(freeReturnBody, req.body, reply);
    return user && body && answer(reply, await ctx.till.returnWithoutReceipt(user, body, body.approvalPin));
  });

  app.post('/api/cash', async (req, reply) => {
    const user = auth(req, reply);
    const body = user && parse(cashBody, req.body, reply);
    return (
      user &&
      body &&
      answer(reply, await ctx.till.cashMove(user, body.direction, body.amount, body.approvalPin))
    );
  });

  app.get('/api/documents', async (req, reply) => {
    if (!auth(req, reply)) return;
    const limit = Math.min(Math.max(Number((req.query as { limit?: string }).limit ?? 50) || 50, 1), 500);
    return { documents: await ctx.till.recentDocuments(limit) };
  });

  app.get('/api/documents/:number', async (req, reply) => {
    if (!auth(req, reply)) return;
    const n = Number((req.params as { number: string }).number);
    if (!Number.isInteger(n) || n < 1)
      return reply.code(400).send(error('bad-request', 'number must be a whole number'));
    const d = await ctx.till.document({ number: n });
    return d ?? reply.code(404).send(error('no-receipt', `Документ № ${n} не найден`));
  });

  app.get('/api/settings', (req, reply) => {
    if (!auth(req, reply)) return;
    return { weightedLayouts: ctx.layouts.current() };
  });

  app.put('/api/settings/weighted-layouts', async (req, reply) => {
    const user = auth(req, reply);
    if (!user) return;
    if (!can(user, 'catalog'))
      return reply.code(403).send(error('forbidden', 'Недостаточно прав для этой операции'));
    const body = parse(layoutsBody, req.body, reply);
    if (!body) return;
    const bad = await ctx.layouts.set(body.layouts);
    return bad ? reply.code(400).send(error('bad-layout', bad)) : { weightedLayouts: ctx.layouts.current() };
  });

  app.post('/api/catalog/import', async (req, reply) => {
    const user = auth(req, reply);
    if (!user) return;
    if (!can(user, 'catalog'))
      return reply.code(403).send(error('forbidden', 'Недостаточно прав для этой операции'));
    const body = parse(catalogBody, req.body, reply);
    if (!body) return;
    return { imported: await importProducts(ctx.db, body.products) };
  });

  return app;
}
