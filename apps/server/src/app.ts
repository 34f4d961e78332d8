import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Database } from '@openkassa/db';
import { fnBacklog, type WarnAge } from './fiscal/backlog.js';
import type { Metrics } from './metrics.js';
import { openapi } from './openapi.js';
import type { ServerSchema } from './schema.js';
import { shiftReport } from './sales/sales.repo.js';
import type { SalesIngest } from './sales/sales.service.js';
import type { CatalogService } from './catalog/catalog.service.js';
import { DIMENSIONS, reportTable, salesReport, type Dimension } from './reports/reports.repo.js';
import { TABLE_FORMATS, tableCsv, tableXlsx, type Table, type TableFormat } from './reports/table.js';
import { gapsTable, reconcile } from './reports/reconciliation.js';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { describeZodError } from '@openkassa/contracts';
import {
  COMMAND_KINDS,
  DEVICE_KINDS,
  commandResult,
  heartbeat,
  listDevices,
  queueCommand,
  registerDevice,
} from './devices/devices.repo.js';
import { salesCommerceMl, salesCsv, storeDaySales } from './exchange/sales-export.js';
import { cashiersTable, cashierReport, shiftsReport, shiftsTable } from './reports/shifts.js';
import { listKkt } from './devices/kkt.js';
import { healthReport, withoutDetails, type Supervisor, type UplinkStatus } from '@openkassa/runtime';
import { ENROLLED_KINDS, type EnrolledKind } from '@openkassa/contracts';
import { badRequest, errorBody, guard, oneStore, scoped, storeScope } from './auth/access.js';
import { actorOf, type AuthService, type Principal } from './auth/auth.service.js';
import { authRoutes } from './auth/auth.routes.js';
import { audit } from './audit/audit.repo.js';
import { hostileInput } from './errors.js';
import { backofficeFiles } from '@openkassa/backoffice';
import { fiscalRoutes } from './fiscal/fiscal.routes.js';
import { catalogRoutes } from './catalog/catalog.routes.js';
import { withoutPinHash } from './catalog/catalog.search.js';
import { anomaliesTable, anomalyReport } from './reports/anomalies.js';
import { verifyAudit } from './audit/audit.verify.js';
import { heldForReview } from './sales/sales.review.js';

export interface ServerAppContext {
  readonly db: Database<ServerSchema>;
  readonly metrics: Metrics;
  readonly warnAges: readonly WarnAge[];
  readonly clock: { now(): Date };
  readonly sales: SalesIngest;
  readonly catalog: CatalogService;
  readonly auth: AuthService;
  /** The process's background loops, for /healthz and /metrics. */
  readonly workers?: Supervisor;
  /** TLS for the API when a certificate is given. */
  readonly https?: { key: Buffer; cert: Buffer };
  /** On a store server: the head-office uplink of sales documents. */
  readonly salesUplink?: { status(): UplinkStatus; pending(): Promise<number> };
}

/** The HTTP app; built without listening (tests use inject). */
export function buildServerApp(ctx: ServerAppContext): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, ...(ctx.https && { https: ctx.https }) });
  const routes: string[] = [];
  routeLists.set(app, routes);
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push(`${m} ${r.url}`);
  });
  hostileInput(app);
  guard(app, ctx.auth);
  authRoutes(app, ctx);
  const actor = (req: FastifyRequest) => actorOf(req.principal);
  const now = () => ctx.clock.now().toISOString();

  // The back office: its pages are public, the API they call is not.
  for (const f of backofficeFiles())
    app.get(f.path, { config: { access: 'public' } }, (_req, reply) =>
      reply.type(f.type).header('cache-control', 'no-cache').send(f.body),
    );

  app.get('/healthz', { config: { access: 'public' } }, async (req, reply) => {
    const h = healthReport(await ctx.db.health(), ctx.workers?.health() ?? []);
    // open for monitoring; the errors' own words (addresses, names) only with credentials
    return reply.code(h.status === 'ok' ? 200 : 503).send(req.principal ? h : withoutDetails(h));
  });

  app.get('/metrics', { config: { access: 'public' } }, async (_req, reply) =>
    reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics()),
  );

  app.get('/api/v1/openapi.json', { config: { access: 'public' } }, () => openapi);

  app.get(
    '/api/v1/fiscal/backlog',
    { config: { access: { permission: 'viewFiscal', allStores: true } } },
    async (req) => {
      const q = req.query as Record<string, string | undefined>;
      return {
        fns: await fnBacklog(ctx.db, ctx.clock.now(), ctx.warnAges, q.all !== 'true' && q.all !== '1'),
      };
    },
  );

  fiscalRoutes(app, ctx);
  catalogRoutes(app, ctx);

  app.post(
    '/api/v1/sales/batch',
    { bodyLimit: 16 * 1024 * 1024, config: { access: { devices: ['till', 'store-server'] } } },
    async (req, reply) => {
      // a till or store server posts its own store's documents only
      const p = req.principal;
      const docs = (req.body as { documents?: unknown } | null)?.documents;
      if (p?.kind === 'device' && Array.isArray(docs)) {
        const other = docs.find(
          (d: unknown) => typeof d === 'object' && d !== null && (d as { store?: unknown }).store !== p.store,
        ) as { store?: unknown } | undefined;
        if (other)
          return reply
            .code(403)
            .send(
              errorBody(
                'forbidden',
                `device ${p.id} of store ${p.store} may not post documents of store ${String(other.store)}`,
              ),
            );
      }
      const r = await ctx.sales.ingest(req.body);
      if (!r.ok) return reply.code(400).send(badRequest(r.reason));
      return { results: r.results };
    },
  );

  app.get(
    '/api/v1/sales/shift-report',
    { config: { access: { permission: 'viewReports' } } },
    async (req, reply) => {
      const q = req.query as Record<string, string | undefined>;
      const shift = Number(q.shift);
      if (!q.store || !q.till || !Number.isInteger(shift) || shift < 0)
        return reply.code(400).send(badRequest('store, till and shift (a whole number) are required'));
      if (!scoped(reply, storeScope(req.principal, [q.store]))) return;
      return shiftReport(ctx.db, q.store, q.till, shift);
    },
  );

  // fiscalised documents that broke a rule, kept and held for a person to look at
  app.get(
    '/api/v1/sales/review',
    { config: { access: { permission: 'viewReports' } } },
    async (req, reply) => {
      const q = req.query as Record<string, string | undefined>;
      const limit = q.limit === undefined ? 100 : Number(q.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        return reply.code(400).send(badRequest('limit must be a whole number 1..1000'));
      if (q.store !== undefined && !/^[\w.-]{1,64}$/.test(q.store))
        return reply.code(400).send(badRequest('store is a store code'));
      const s = oneStore(req.principal, q.store);
      if (!scoped(reply, s)) return;
      const store = s.stores?.[0];
      return heldForReview(ctx.db, limit, store);
    },
  );

  app.get(
    '/api/v1/sales/documents',
    { config: { access: { permission: 'viewReports' } } },
    async (req, reply) => {
      const q = req.query as Record<string, string | undefined>;
      if (!q.store) return reply.code(400).send(badRequest('store is required'));
      if (!scoped(reply, storeScope(req.principal, [q.store]))) return;
      if (q.format !== undefined && q.format !== 'json')
        return reply
          .code(400)
          .send(
            badRequest(
              'format: the document list is JSON only; files of sales come from /api/v1/exchange/sales',
            ),
          );
      const limit = q.limit === undefined ? 1000 : Number(q.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
        return reply.code(400).send(badRequest('limit must be a whole number 1..10000'));
      let sel = ctx.db.db
        .selectFrom('all_sales_documents')
        .select(['payload_json', 'received_at'])
        .where('store', '=', q.store)
        .orderBy('till')
        .orderBy('number')
        .limit(limit);
      if (q.till) sel = sel.where('till', '=', q.till);
      if (q.day) sel = sel.where('day', '=', q.day);
      const rows = await sel.execute();
      return {
        documents: rows.map((r) => ({
          ...(JSON.parse(r.payload_json) as Record<string, unknown>),
          receivedAt: r.received_at,
        })),
      };
    },
  );

  app.put(
    '/api/v1/catalog/items',
    { bodyLimit: 64 * 1024 * 1024, config: { access: { permission: 'editCatalog', allStores: true } } },
    async (req, reply) => {
      const r = await ctx.catalog.edit(req.body);
      if (!r.ok)
        return reply
          .code(r.status)
          .send({ error: { code: r.status === 409 ? 'mirror' : 'bad-request', message: r.reason } });
      const items =
        (req.body as { items?: { kind?: unknown; data?: { id?: unknown }; id?: unknown }[] }).items ?? [];
      const users = items.filter((i) => i.kind === 'user').map((i) => String(i.data?.id ?? i.id));
      await audit(
        ctx.db,
        {
          actor: actor(req),
          action: 'catalog.edit',
          subject: String(r.head),
          detail: { items: items.length, ...(users.length > 0 && { users: users.slice(0, 1000) }) },
        },
        now(),
      );
      return { head: r.head };
    },
  );

  app.get(
    '/api/v1/catalog/changes',
    { config: { access: { permission: 'viewReports', devices: ENROLLED_KINDS } } },
    async (req, reply) => {
      const q = req.query as Record<string, string | undefined>;
      const num = (v: string | undefined, dflt: number, max: number) => {
        if (v === undefined) return dflt;
        const n = Number(v);
        return Number.isInteger(n) && n >= 0 && n <= max ? n : NaN;
      };
      const since = num(q.since, 0, Number.MAX_SAFE_INTEGER);
      const limit = num(q.limit, 5000, 50_000);
      const wait = num(q.wait, 0, 60);
      if (Number.isNaN(since) || Number.isNaN(limit) || limit === 0 || Number.isNaN(wait))
        return reply
          .code(400)
          .send(badRequest('since ≥ 0, limit 1..50000 and wait 0..60 (seconds) are whole numbers'));
      if (q.store !== undefined && !/^[\w.-]{1,64}$/.test(q.store))
        return reply.code(400).send(badRequest('store is a store code'));
      // a device reads its own store's feed (other stores' users are not for it)
      const s = oneStore(req.principal, q.store);
      if (!scoped(reply, s)) return;
      const page = await ctx.catalog.changes(since, limit, s.stores?.[0], wait * 1000);
      // tills and store servers take the PIN hashes; people reading the feed do not
      return req.principal?.kind === 'device' ? page : { ...page, changes: page.changes.map(withoutPinHash) };
    },
  );

  /** The from/to days (and an optional store list) of a report query, or why they are wrong. */
  const period = (
    q: Record<string, string | undefined>,
    p: Principal | null,
  ):
    { refused: { status: 400 | 403; message: string } } | { from: string; to: string; stores?: string[] } => {
    const day = /^\d{4}-\d{2}-\d{2}$/;
    if (!q.from || !q.to || !day.test(q.from) || !day.test(q.to) || q.from > q.to)
      return { refused: { status: 400, message: 'from and to are days (YYYY-MM-DD), from ≤ to' } };
    const asked = q.store?.split(',').filter((x) => x !== '');
    if (asked?.some((x) => !/^[\w.-]{1,64}$/.test(x)))
      return { refused: { status: 400, message: 'store is a comma-separated list of store codes' } };
    // a user limited to some stores reads those, and asks for others in vain
    const s = storeScope(p, asked);
    if (!s.ok) return { refused: { status: 403, message: s.message } };
    return { from: q.from, to: q.to, ...(s.stores && { stores: s.stores }) };
  };
  /** A report as a file: an export, so it goes to the audit log (unless the route logged it). */
  const fileReply = async (
    req: FastifyRequest,
    reply: FastifyReply,
    name: string,
    format: TableFormat,
    body: string | Uint8Array,
    logged = false,
  ) => {
    if (!logged) await audit(ctx.db, { actor: actor(req), action: 'export.report', subject: name }, now());
    return reply
      .type(format === 'csv' ? 'text/csv; charset=utf-8' : XLSX_TYPE)
      .header('content-disposition', `attachment; filename="${name}.${format}"`)
      .send(typeof body === 'string' ? body : Buffer.from(body));
  };
  const tableReply = (req: FastifyRequest, reply: FastifyReply, format: TableFormat, t: Table) =>
    fileReply(req, reply, t.name, format, format === 'csv' ? tableCsv(t) : tableXlsx(t));

  const reports = {
    // a report is read as JSON, or as a file (CSV, Excel)
    preValidation: async (req: FastifyRequest, reply: FastifyReply) => {
      const f = (req.query as { format?: string }).format;
      if (f !== undefined && f !== 'json' && !asFile(f))
        await reply.code(400).send(badRequest('format is json, csv or xlsx'));
    },
    config: { access: { permission: 'viewReports' as const } },
  };
  app.get('/api/v1/reports/sales', reports, async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    if (!q.by || !(DIMENSIONS as readonly string[]).includes(q.by))
      return reply.code(400).send(badRequest(`by is one of ${DIMENSIONS.join(', ')}`));
    const p = period(q, req.principal);
    if ('refused' in p) return reply.code(p.refused.status).send(badRequest(p.refused.message));
    const rows = await salesReport(ctx.db, {
      by: q.by as Dimension,
      from: p.from,
      to: p.to,
      ...(p.stores && { stores: p.stores }),
      ...(q.parent !== undefined && q.parent !== '' && { parent: q.parent }),
    });
    if (asFile(q.format))
      return tableReply(
        req,
        reply,
        q.format,
        reportTable(rows, q.by as Dimension, `sales-by-${q.by}-${p.from}-${p.to}`),
      );
    return { by: q.by, from: p.from, to: p.to, rows };
  });

  app.get('/api/v1/reports/shifts', reports, async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const p = period(q, req.principal);
    if ('refused' in p) return reply.code(p.refused.status).send(badRequest(p.refused.message));
    if ((p.stores?.length ?? 0) > 1)
      return reply
        .code(400)
        .send(badRequest(`store is one store code here (one of ${p.stores!.join(', ')})`));
    if (q.till !== undefined && !/^[\w.-]{1,64}$/.test(q.till))
      return reply.code(400).send(badRequest('till is a till code'));
    // a page for the screen; a CSV file has every shift unless told otherwise
    const limit = q.limit === undefined ? (asFile(q.format) ? 200_000 : 1000) : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200_000)
      return reply.code(400).send(badRequest('limit is a whole number 1..200000'));
    const after =
      q.after === undefined ? undefined : /^([\w.-]{1,64})\/([\w.-]{1,64})\/(\d{1,9})$/.exec(q.after);
    if (after === null)
      return reply.code(400).send(badRequest('after is store/till/shift, as `next` gives it'));
    const shifts = await shiftsReport(ctx.db, {
      from: p.from,
      to: p.to,
      ...(p.stores?.[0] !== undefined && { store: p.stores[0] }),
      ...(q.till !== undefined && { till: q.till }),
      ...(after && { after: { store: after[1]!, till: after[2]!, shift: Number(after[3]) } }),
      limit,
    });
    const last = shifts.length === limit ? shifts.at(-1) : undefined;
    const next = last ? `${last.store}/${last.till}/${last.shift}` : null;
    if (asFile(q.format))
      return tableReply(req, reply, q.format, shiftsTable(shifts, `shifts-${p.from}-${p.to}`));
    return { from: p.from, to: p.to, shifts, next };
  });

  app.get('/api/v1/reports/cashiers', reports, async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const p = period(q, req.principal);
    if ('refused' in p) return reply.code(p.refused.status).send(badRequest(p.refused.message));
    const rows = await cashierReport(ctx.db, {
      from: p.from,
      to: p.to,
      ...(p.stores && { stores: p.stores }),
    });
    if (asFile(q.format))
      return tableReply(req, reply, q.format, cashiersTable(rows, `cashiers-${p.from}-${p.to}`));
    return { from: p.from, to: p.to, cashiers: rows };
  });

  app.get('/api/v1/reports/anomalies', reports, async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const p = period(q, req.principal);
    if ('refused' in p) return reply.code(p.refused.status).send(badRequest(p.refused.message));
    const r = await anomalyReport(ctx.db, { from: p.from, to: p.to, ...(p.stores && { stores: p.stores }) });
    if (asFile(q.format))
      return tableReply(req, reply, q.format, anomaliesTable(r.rows, `anomalies-${p.from}-${p.to}`));
    return { from: p.from, to: p.to, ...r };
  });

  app.get('/api/v1/exchange/sales', { config: { access: { permission: 'export' } } }, async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const p = period(q, req.principal);
    if ('refused' in p) return reply.code(p.refused.status).send(badRequest(p.refused.message));
    if (Date.parse(p.to) - Date.parse(p.from) > 30 * 86_400_000)
      return reply.code(400).send(badRequest('at most 31 days per request'));
    if ((p.stores?.length ?? 0) > 1)
      return reply
        .code(400)
        .send(badRequest(`store is one store code here (one of ${p.stores!.join(', ')})`));
    const format = q.format ?? 'json';
    if (format !== 'json' && format !== 'csv' && format !== 'cml')
      return reply.code(400).send(badRequest('format is json, csv or cml (CommerceML 2)'));
    await audit(
      ctx.db,
      {
        actor: actor(req),
        action: 'export.sales',
        subject: p.stores?.[0] ?? '*',
        detail: { from: p.from, to: p.to, format },
      },
      now(),
    );
    const days = await storeDaySales(ctx.db, p.from, p.to, p.stores?.[0]);
    const name = `sales-${p.stores?.[0] ?? 'all'}-${p.from}-${p.to}`;
    if (format === 'csv') return fileReply(req, reply, name, 'csv', salesCsv(days), true);
    if (format === 'cml')
      return reply
        .type('application/xml; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}.xml"`)
        .send(salesCommerceMl(days, ctx.clock.now().toISOString()));
    return { from: p.from, to: p.to, days };
  });

  app.get('/api/v1/reports/reconciliation', reports, async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    if (q.store !== undefined && !/^[\w.-]{1,64}$/.test(q.store))
      return reply.code(400).send(badRequest('store is a store code'));
    const s = oneStore(req.principal, q.store);
    if (!scoped(reply, s)) return;
    const store = s.stores?.[0];
    // the gaps as a file: what to chase, one line each (the file has them all, up to 100,000 per kind)
    if (asFile(q.format))
      return tableReply(
        req,
        reply,
        q.format,
        gapsTable(
          (await reconcile(ctx.db, { ...(store !== undefined && { store }), limit: 100_000 })).gaps,
          `reconciliation-${store ?? 'all'}-${now().slice(0, 10)}`,
        ),
      );
    // and whether the stored documents are still as they were recorded (audit log, hashes)
    const v = await verifyAudit(ctx.db, { ...(store !== undefined && { store }) });
    return {
      ...(await reconcile(ctx.db, { ...(store !== undefined && { store }) })),
      integrity: { ok: v.ok, firstBroken: v.firstBroken, problems: v.problems, moreProblems: v.moreProblems },
    };
  });

  const heartbeatBody = z.object({
    id: z.string().regex(/^[\w.:/@-]{1,128}$/),
    kind: z.enum(DEVICE_KINDS),
    store: z.string().regex(/^[\w.-]{1,64}$/),
    name: z.string().min(1).max(128).optional(),
    version: z.string().min(1).max(64),
    status: z.record(z.string(), z.unknown()).default({}),
    devices: z
      .array(
        z.object({
          id: z.string().regex(/^[\w.:/@-]{1,128}$/),
          kind: z.enum(DEVICE_KINDS),
          name: z.string().min(1).max(128),
          version: z.string().max(64),
          lastSeenAt: z.iso.datetime({ offset: true }),
          status: z.record(z.string(), z.unknown()).default({}),
        }),
      )
      .max(2000)
      .optional(),
    holding: z.array(z.string().max(64)).max(2000).optional(),
    results: z
      .array(
        z.object({
          id: z.string().max(64),
          deviceId: z.string().max(128),
          ok: z.boolean(),
          result: z.unknown(),
        }),
      )
      .max(2000)
      .optional(),
  });
  app.post(
    '/api/v1/devices/heartbeat',
    { bodyLimit: 4 * 1024 * 1024, config: { access: { devices: ENROLLED_KINDS } } },
    async (req, reply) => {
      const hb = heartbeatBody.safeParse(req.body);
      if (!hb.success) return reply.code(400).send(badRequest(describeZodError(hb.error)));
      // a device reports as itself, for its own store; only a store server reports devices behind it
      const p = req.principal;
      if (
        p?.kind !== 'device' ||
        hb.data.id !== p.id ||
        hb.data.store !== p.store ||
        hb.data.kind !== reportedKind(p.deviceKind)
      )
        return reply
          .code(403)
          .send(
            errorBody(
              'forbidden',
              `the heartbeat of ${hb.data.id} (${hb.data.kind}, store ${hb.data.store}) does not match this device's credentials`,
            ),
          );
      if (hb.data.devices && p.deviceKind !== 'store-server')
        return reply.code(403).send(errorBody('forbidden', 'only a store server reports devices behind it'));
      return { commands: await heartbeat(ctx.db, hb.data, ctx.clock.now().toISOString()) };
    },
  );

  const viewDevices = { config: { access: { permission: 'viewDevices' as const } } };
  app.get('/api/v1/devices', viewDevices, async (req, reply) => {
    const asked = (req.query as { store?: string }).store;
    if (asked !== undefined && !/^[\w.-]{1,64}$/.test(asked))
      return reply.code(400).send(badRequest('store is a store code'));
    const s = storeScope(req.principal, asked === undefined ? undefined : [asked]);
    if (!scoped(reply, s)) return;
    const all = await listDevices(ctx.db, ctx.clock.now(), { ...(asked !== undefined && { store: asked }) });
    return { devices: s.stores ? all.filter((d) => s.stores!.includes(d.store)) : all };
  });

  app.get('/api/v1/devices/kkt', viewDevices, async (req, reply) => {
    const asked = (req.query as { store?: string }).store;
    if (asked !== undefined && !/^[\w.-]{1,64}$/.test(asked))
      return reply.code(400).send(badRequest('store is a store code'));
    const s = oneStore(req.principal, asked);
    if (!scoped(reply, s)) return;
    return { kkt: await listKkt(ctx.db, ctx.clock.now(), ctx.warnAges, s.stores?.[0]) };
  });

  const registration = z.object({
    kind: z.enum(DEVICE_KINDS),
    store: z.string().regex(/^[\w.-]{1,64}$/),
    name: z.string().min(1).max(128),
    /** Where it is reached and how, for scales: {"address": "10.0.0.7:1111", "protocol": "cas-lp"}. */
    status: z.record(z.string(), z.unknown()).default({}),
  });
  const manageDevices = { config: { access: { permission: 'manageDevices' as const } } };
  app.put('/api/v1/devices/:id', manageDevices, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!/^[\w.:/@-]{1,128}$/.test(id))
      return reply.code(400).send(badRequest('id: letters, digits and .:/@-'));
    const body = registration.safeParse(req.body);
    if (!body.success) return reply.code(400).send(badRequest(describeZodError(body.error)));
    if (!scoped(reply, storeScope(req.principal, [body.data.store]))) return;
    const was = await deviceStore(ctx.db, id);
    if (was !== undefined && !scoped(reply, storeScope(req.principal, [was]))) return;
    const done = await registerDevice(ctx.db, { id, ...body.data }, ctx.clock.now().toISOString());
    if (done)
      await audit(
        ctx.db,
        { actor: actor(req), action: 'device.register', subject: id, detail: body.data },
        now(),
      );
    return done
      ? { ok: true }
      : reply.code(409).send({
          error: {
            code: 'reporting',
            message: `device ${id} reports itself; its record follows its reports`,
          },
        });
  });

  const commandBody = z.object({
    kind: z.enum(COMMAND_KINDS),
    payload: z.record(z.string(), z.unknown()).default({}),
  });
  app.post('/api/v1/devices/:id/commands', manageDevices, async (req, reply) => {
    const { id } = req.params as { id: string };
    const body = commandBody.safeParse(req.body);
    if (!body.success) return reply.code(400).send(badRequest(describeZodError(body.error)));
    if (body.data.kind === 'message' && typeof body.data.payload.text !== 'string')
      return reply.code(400).send(badRequest('a message command needs payload.text'));
    const store = await deviceStore(ctx.db, id);
    if (store !== undefined && !scoped(reply, storeScope(req.principal, [store]))) return;
    const c = await queueCommand(
      ctx.db,
      { id: randomUUID(), deviceId: id, kind: body.data.kind, payload: body.data.payload },
      ctx.clock.now().toISOString(),
    );
    if (c)
      await audit(
        ctx.db,
        { actor: actor(req), action: 'device.command', subject: id, detail: { id: c.id, kind: c.kind } },
        now(),
      );
    return (
      c ?? reply.code(404).send({ error: { code: 'no-device', message: `device ${id} has never reported` } })
    );
  });

  app.post(
    '/api/v1/devices/:id/commands/:command/result',
    { config: { access: { devices: ENROLLED_KINDS } } },
    async (req, reply) => {
      const { id, command } = req.params as { id: string; command: string };
      if (req.principal?.id !== id)
        return reply.code(403).send(errorBody('forbidden', `only device ${id} answers its commands`));
      const body = z.object({ ok: z.boolean(), result: z.unknown() }).safeParse(req.body);
      if (!body.success) return reply.code(400).send(badRequest(describeZodError(body.error)));
      const done = await commandResult(
        ctx.db,
        id,
        command,
        body.data.ok,
        body.data.result,
        ctx.clock.now().toISOString(),
      );
      return done
        ? { ok: true }
        : reply
            .code(404)
            .send({ error: { code: 'no-command', message: 'no such open command for this device' } });
    },
  );

  app.get('/api/v1/sales/uplink', viewDevices, async () =>
    ctx.salesUplink
      ? { configured: true, pending: await ctx.salesUplink.pending(), ...ctx.salesUplink.status() }
      : { configured: false },
  );

  return app;
}

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const asFile = (f: string | undefined): f is TableFormat =>
  (TABLE_FORMATS as readonly (string | undefined)[]).includes(f);

const routeLists = new WeakMap<FastifyInstance, string[]>();

/** Every route ("METHOD /path"), without the HEAD twins Fastify adds to each GET. */
export function routesOf(app: FastifyInstance): string[] {
  return [...(routeLists.get(app) ?? [])].sort();
}

/** The kind a device reports itself as in heartbeats, by the kind it is enrolled as. */
const reportedKind = (k: EnrolledKind) => (k === 'scale-server' ? 'scales' : k);

async function deviceStore(db: Database<ServerSchema>, id: string): Promise<string | undefined> {
  const r = await db.db.selectFrom('devices').select('store').where('id', '=', id).executeTakeFirst();
  return r?.store;
}
