import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database, type DbConfig } from '@openkassa/db';
import { buildServerApp, routesOf } from './app.js';
import { DEFAULT_WARN_AGES, fnBacklog, type WarnAge } from './fiscal/index.js';
import { createMetrics, salesMetrics } from './metrics.js';
import { DEFAULT_ARCHIVE_AFTER_DAYS } from './defaults.js';
import { reviewCount } from './sales/index.js';
import { serverDbOptions } from './migrations/index.js';
import { AnswerHub } from './relay/index.js';
import { Forwarder } from './relay/index.js';
import { releaseClaims, storedAnswers } from './relay/index.js';
import { ParseCatchUp } from './relay/index.js';
import { relayService } from './relay/index.js';
import { RelayWriter } from './relay/index.js';
import { DEFAULT_LIMITS, startRelayListener, type RelayLimits } from './relay/index.js';
import type { ServerSchema } from './schema.js';
import { serverSalesOutbox } from './sales/index.js';
import { SalesIngest } from './sales/index.js';
import { archiveCutoff, archiveSales } from './sales/index.js';
import { CatalogService } from './catalog/index.js';
import { catalogMirror } from './catalog/index.js';
import { closeHttp, salesUplink, Supervisor } from '@openkassa/runtime';
import { storeReporter } from './devices/index.js';
import { AuthService, type AuthOptions } from './auth/index.js';
import { DeviceCredentials, type CredentialStore } from '@openkassa/runtime';

export interface ServerConfig {
  /** Embedded SQLite in this folder, unless `db` is given. */
  readonly dataDir?: string;
  readonly db?: DbConfig;
  readonly http: { host: string; port: number };
  readonly relay: { host: string; port: number };
  /** The next hop: an OFD or another cash server's relay port. */
  readonly upstream: { host: string; port: number };
  /** A head-office cash server (its HTTP base URL) that this store server forwards sales to. */
  readonly upstreamServer?: string;
  /** This store server's store code, as the head office lists it; default the host name. */
  readonly store?: string;
  /** How often a store server reports itself and its tills to the head office. */
  readonly reportEveryMs?: number;
  readonly answerWaitMs?: number;
  readonly upstreamTimeoutMs?: number;
  readonly concurrency?: number;
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
  readonly pollMs?: number;
  readonly warnAges?: readonly WarnAge[];
  readonly limits?: RelayLimits;
  /** Till documents older than this many days move to the archive (checked hourly); 0 never. */
  readonly archiveAfterDays?: number;
  /** Name of this node in forwarding claims; default host:relay-port. */
  readonly nodeId?: string;
  /** Creates the administrator `admin` with this password when the server has none. */
  readonly adminPassword?: string;
  /** A store server's one-time code to enroll at its head office (once; the credentials are kept). */
  readonly upstreamEnrollCode?: string;
  /** TLS for the HTTP API: PEM certificate and key. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /** The relay port accepts messages only of ФН registered to a store (`PUT /api/v1/fiscal/fns/{fn}`). */
  readonly knownFnOnly?: boolean;
  readonly auth?: AuthOptions;
  /** The server's clock; tests move it (credential caches, sessions, claims). */
  readonly clock?: { now(): Date };
}

export interface RunningServer {
  readonly httpUrl: string;
  /** Every route of the API ("GET /api/v1/…"), for the access and input tests. */
  readonly routes: readonly string[];
  readonly relay: { host: string; port: number };
  close(): Promise<void>;
}

export interface ServerLog {
  info(m: string): void;
  warn(m: string): void;
}

const consoleLog: ServerLog = {
  info: (m) => {
    console.log(m);
  },
  warn: (m) => {
    console.warn(m);
  },
};

export async function startServer(config: ServerConfig, log: ServerLog = consoleLog): Promise<RunningServer> {
  const dbConfig: DbConfig = config.db ?? {
    kind: 'sqlite',
    file: join(config.dataDir ?? '.', 'server.sqlite'),
  };
  const db = openDatabase<ServerSchema>(dbConfig, {
    ...serverDbOptions,
    log: { error: (m, e) => log.warn(`${m}: ${String(e)}`) },
  });
  await db.migrate().catch(async (e: unknown) => {
    await db.close();
    throw e;
  });
  // Stable across restarts (host and relay port), so a restarted node takes back its own claims;
  // two live nodes never share it, since one host can bind a port only once.
  const node =
    config.nodeId ??
    `${hostname()}:${config.relay.port === 0 ? randomBytes(6).toString('hex') : config.relay.port}`;
  await releaseClaims(db, node);
  const clock = config.clock ?? { now: () => new Date() };
  const auth = new AuthService(db, clock, config.auth);
  if (config.adminPassword && (await auth.ensureAdmin(config.adminPassword)))
    log.info('created the administrator "admin" (change the password after the first login)');
  const store = config.store ?? hostname();
  // A store server's credentials at its head office: enrolled once with a code, kept here.
  const upstreamAuth = config.upstreamServer
    ? new DeviceCredentials({
        server: config.upstreamServer,
        device: { id: `store-server:${store}`, name: `Сервер магазина ${store}` },
        code: config.upstreamEnrollCode,
        store: upstreamCredentials(db, config.upstreamServer),
        log,
      })
    : undefined;
  const warnAges = config.warnAges ?? DEFAULT_WARN_AGES;
  const backlogSummary = async () => {
    const rows = await fnBacklog(db, clock.now(), warnAges, true);
    const fnOver: Record<string, number> = {};
    for (const a of warnAges)
      fnOver[a.label] = rows.filter((r) => (r.oldestAgeSeconds ?? 0) >= a.seconds).length;
    return {
      documents: rows.reduce((s, r) => s + r.unconfirmed, 0),
      fnOver,
      oldestAgeSeconds: Math.max(0, ...rows.map((r) => r.oldestAgeSeconds ?? 0)),
    };
  };
  // Every background loop runs under the supervisor: one that dies is logged and started again.
  const workers = new Supervisor({ log, clock });
  const metrics = createMetrics(backlogSummary, { health: () => workers.health(), now: () => clock.now() });
  // Only on PostgreSQL can another node store the answer a connection here waits for.
  const hub = new AnswerHub(db.dialect === 'postgres' ? (keys) => storedAnswers(db, keys) : undefined);
  const writer = new RelayWriter(db);
  const forwarder = new Forwarder({
    db,
    writer,
    hub,
    metrics,
    log,
    clock,
    config: {
      upstream: config.upstream,
      node,
      answerTimeoutMs: config.upstreamTimeoutMs ?? 10_000,
      concurrency: config.concurrency ?? 64,
      retryMinMs: config.retryMinMs ?? 1000,
      retryMaxMs: config.retryMaxMs ?? 60_000,
      pollMs: config.pollMs ?? 500,
    },
  });
  /** A start that fails half-way stops what it started, so nothing is left running. */
  const abandon = async () => {
    await workers.stop();
    await writer.flush();
    await db.close();
  };
  workers.add('relay-forwarder', forwarder);
  workers.add('relay-parse-catch-up', new ParseCatchUp({ db, writer, log }));
  const service = relayService({
    db,
    writer,
    hub,
    forwarder,
    metrics,
    log,
    clock,
    answerWaitMs: config.answerWaitMs ?? 3000,
  });
  const relay = await startRelayListener(
    config.relay.host,
    config.relay.port,
    (bytes, m) => service.handle(bytes, m),
    log,
    (reason) => metrics.refused.inc({ reason }),
    config.limits ?? DEFAULT_LIMITS,
    config.knownFnOnly ? knownFns(db) : undefined,
  ).catch(async (e: unknown) => {
    await abandon();
    throw Object.assign(e as Error, { flag: '--relay' });
  });
  workers.every(
    'fiscal-backlog-warnings',
    60_000,
    backlogWarnings(() => fnBacklog(db, clock.now(), warnAges, true), log),
    2000,
  );
  const outbox = serverSalesOutbox(db);
  const uplink = config.upstreamServer
    ? salesUplink(
        config.upstreamServer,
        outbox,
        log,
        {
          retryMinMs: config.retryMinMs ?? 1000,
          retryMaxMs: config.retryMaxMs ?? 60_000,
          pollMs: 5000,
        },
        upstreamAuth,
      )
    : undefined;
  if (uplink) workers.add('sales-uplink', uplink);
  const sales = new SalesIngest(db, {
    clock,
    forwardUpstream: uplink !== undefined,
    onStored: () => uplink?.kick(),
  });
  salesMetrics(metrics.registry, { rejected: () => sales.rejected, heldForReview: () => reviewCount(db) });
  const catalog = new CatalogService(db, { mirror: config.upstreamServer !== undefined });
  const mirror = config.upstreamServer
    ? catalogMirror(config.upstreamServer, catalog, log, upstreamAuth)
    : undefined;
  if (mirror) workers.add('catalog-mirror', mirror);
  const archiveAfterDays = config.archiveAfterDays ?? DEFAULT_ARCHIVE_AFTER_DAYS;
  if (archiveAfterDays > 0)
    workers.every(
      'sales-archive',
      3_600_000,
      async () => {
        const before = archiveCutoff(clock.now(), archiveAfterDays);
        const r = await archiveSales(db, before);
        if (r.documents > 0)
          log.info(`archive: moved ${r.documents} document(s), ${r.lines} line(s) of days before ${before}`);
      },
      10_000,
    );
  // A store server reports itself and the tills behind it to its head office, and takes commands.
  const reporter = config.upstreamServer
    ? storeReporter({
        db,
        upstream: config.upstreamServer,
        store,
        version: SERVER_VERSION,
        everyMs: config.reportEveryMs ?? 30_000,
        clock,
        log,
        status: async () => ({
          uplink: { ...uplink?.status(), pending: await outbox.count() },
          catalogue: mirror?.status() ?? null,
          fiscal: await backlogSummary(),
        }),
        reloadCatalog: () => mirror?.restart(),
        ...(upstreamAuth && { auth: upstreamAuth }),
      })
    : undefined;
  if (reporter) workers.add('store-report', reporter);
  const app = buildServerApp({
    db,
    metrics,
    warnAges,
    clock,
    sales,
    catalog,
    auth,
    workers,
    ...(config.tls && { https: { key: config.tls.key, cert: config.tls.cert } }),
    ...(uplink && { salesUplink: { status: () => uplink.status(), pending: () => outbox.count() } }),
  });
  const httpUrl = await app
    .listen({ host: config.http.host, port: config.http.port })
    .catch(async (e: unknown) => {
      await relay.close();
      catalog.close();
      await abandon();
      throw Object.assign(e as Error, { flag: '--http' });
    });
  return {
    httpUrl,
    routes: routesOf(app),
    relay: relay.address(),
    async close() {
      await relay.close();
      catalog.close();
      await closeHttp(app);
      await workers.stop();
      // the parsed documents and answers that may still wait for a commit
      await writer.flush();
      await db.close();
    },
  };
}

export const SERVER_VERSION = '0.1.0';

export { DEFAULT_ARCHIVE_AFTER_DAYS } from './defaults.js';

/** Logs a ФН when its oldest unconfirmed document passes a warning age (once per level). */
function backlogWarnings(
  backlog: () => Promise<
    { fn: string; warning: string | null; oldestAgeSeconds: number | null; unconfirmed: number }[]
  >,
  log: ServerLog,
): () => Promise<void> {
  const reported = new Map<string, string>();
  return async () => {
    for (const r of await backlog()) {
      if (r.warning && reported.get(r.fn) !== r.warning) {
        log.warn(
          `ФН ${r.fn}: ${r.unconfirmed} document(s) unconfirmed, the oldest ${Math.floor((r.oldestAgeSeconds ?? 0) / 3600)} h old (over ${r.warning}); a ФН blocks after 30 days`,
        );
        reported.set(r.fn, r.warning);
      }
      if (!r.warning) reported.delete(r.fn);
    }
  };
}

/** Where a store server keeps its token at the head office: its own database. */
function upstreamCredentials(db: Database<ServerSchema>, upstream: string): CredentialStore {
  const key = new URL(upstream).host;
  return {
    async load() {
      const r = await db.db
        .selectFrom('upstream_credentials')
        .select('secret')
        .where('upstream', '=', key)
        .executeTakeFirst();
      return r?.secret;
    },
    async save(token) {
      const row = { device_id: key, secret: token };
      await db.db
        .insertInto('upstream_credentials')
        .values({ upstream: key, ...row })
        .onConflict((oc) => oc.column('upstream').doUpdateSet(row))
        .execute();
    },
  };
}

/** Registered ФН, remembered once seen (a registration is never taken back while running). */
function knownFns(db: Database<ServerSchema>): (fn: string) => Promise<boolean> {
  const known = new Set<string>();
  return async (fn) => {
    if (known.has(fn)) return true;
    const r = await db.db.selectFrom('known_fns').select('fn').where('fn', '=', fn).executeTakeFirst();
    if (r) known.add(fn);
    return r !== undefined;
  };
}
