import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { openDatabase } from '@openkassa/db';
import type { WeightedLayout } from '@openkassa/fiscal';
import { LayoutSettings, readSetting, writeSetting } from './settings.js';
import { closeHttp, DeviceCredentials, Heartbeat, salesUplink, Supervisor } from '@openkassa/runtime';
import { buildTillApp } from './app.js';
import { addUser, Sessions } from './auth/index.js';
import { importProducts, productCount } from './catalog/index.js';
import { CatalogPull } from './catalog/index.js';

const TILL_VERSION = '0.1.0';
import { DEMO_USERS, demoCatalog } from './demo.js';
import { AtolClient } from './kkt/index.js';
import { tillMigrations } from './migrations/index.js';
import { printedNotice, TillService } from './sales/index.js';
import type { TillSchema } from './schema.js';
import { tillOutbox } from './upload/index.js';

export { buildTillApp } from './app.js';
export {
  demoCatalog,
  demoCatalogItems,
  demoCategoryItems,
  demoCategoryOf,
  DEMO_CATEGORIES,
  DEMO_USERS,
  ean13,
} from './demo.js';
export type { Product } from './catalog/index.js';

export interface TillConfig {
  readonly dataDir: string;
  /** The cash server (http://host:port) documents are uploaded to; none: keep them queued. */
  readonly server?: string;
  /** The ККТ's ATOL Web Server (http://host:16732). */
  readonly kkt: string;
  readonly http: { host: string; port: number };
  readonly store: string;
  readonly till: string;
  /** Seed demo users and this many demo products into an empty till. */
  readonly demoCatalog?: number;
  readonly layouts?: readonly WeightedLayout[];
  readonly taxation?: string;
  /** Let managers return goods without the sale's receipt (default: yes). */
  readonly allowReturnWithoutReceipt?: boolean;
  readonly uploadRetryMaxMs?: number;
  /** How often the till reports to its server and collects commands (default 30 s). */
  readonly heartbeatMs?: number;
  /** The one-time enrollment code from the server (first start; the credentials are kept). */
  readonly enrollCode?: string;
}

export interface RunningTill {
  readonly url: string;
  close(): Promise<void>;
}

export { DEFAULT_LAYOUTS } from './settings.js';

export async function startTill(
  config: TillConfig,
  log: { info(m: string): void; warn(m: string): void } = { info: console.log, warn: console.warn },
): Promise<RunningTill> {
  const db = openDatabase<TillSchema>(
    { kind: 'sqlite', file: join(config.dataDir, 'till.sqlite') },
    { migrations: tillMigrations, log: { error: (m, e) => log.warn(`${m}: ${String(e)}`) } },
  );
  await db.migrate();
  if (config.demoCatalog !== undefined) {
    const users = await db.db.selectFrom('users').select('id').limit(1).execute();
    if (users.length === 0) for (const u of DEMO_USERS) await addUser(db, u);
    if ((await productCount(db)) === 0) await importProducts(db, demoCatalog(config.demoCatalog));
  }
  const layoutSettings = new LayoutSettings(db);
  await layoutSettings.load();
  if (config.layouts) {
    const bad = await layoutSettings.set(config.layouts);
    if (bad) throw new Error(`weighted barcode layouts: ${bad}`);
  }
  const layouts = () => layoutSettings.current();
  const outbox = tillOutbox(db);
  // The till's own credentials at its server, kept in its settings once enrolled.
  const auth = config.server
    ? new DeviceCredentials({
        server: config.server,
        device: { id: `till:${config.store}/${config.till}`, name: `Касса ${config.till}` },
        code: config.enrollCode,
        store: {
          load: async () => (await readSetting<{ token: string }>(db.db, 'credentials'))?.token,
          save: (token) => writeSetting(db.db, 'credentials', { token }),
        },
        log,
      })
    : undefined;
  // (enrolling itself waits for the first request to the server: start-up never waits for it)
  if (auth && !config.enrollCode && !(await auth.stored()))
    log.warn(
      `till: not enrolled at ${config.server ?? ''}: give --enroll <code> from the server; selling goes on, uploads wait`,
    );
  const uplink = config.server
    ? salesUplink(
        config.server,
        outbox,
        log,
        {
          retryMinMs: 500,
          retryMaxMs: config.uploadRetryMaxMs ?? 30_000,
          pollMs: 3000,
        },
        auth,
      )
    : undefined;
  // Every background loop runs under the supervisor: one that dies is logged and started again.
  const workers = new Supervisor({ log });
  if (uplink) workers.add('sales-upload', uplink);
  // The store's settings from the head office's feed override the command line's.
  const storeSettings = {
    taxation: config.taxation,
    allowReturnWithoutReceipt: config.allowReturnWithoutReceipt ?? true,
  };
  const fromFeed = await readSetting<Partial<typeof storeSettings>>(db.db, 'storeSettings');
  if (fromFeed) Object.assign(storeSettings, fromFeed);
  const settingsSink = {
    async apply(s: {
      weightedLayouts?: WeightedLayout[];
      taxation?: string;
      allowReturnWithoutReceipt?: boolean;
    }) {
      if (s.weightedLayouts) {
        const bad = await layoutSettings.set(s.weightedLayouts);
        if (bad) log.warn(`till: the store's weighted barcode layouts are refused: ${bad}`);
      }
      await writeSetting(db.db, 'storeSettings', {
        taxation: s.taxation,
        allowReturnWithoutReceipt: s.allowReturnWithoutReceipt,
      });
      if (s.taxation !== undefined) storeSettings.taxation = s.taxation;
      if (s.allowReturnWithoutReceipt !== undefined)
        storeSettings.allowReturnWithoutReceipt = s.allowReturnWithoutReceipt;
    },
  };
  const pull = config.server
    ? new CatalogPull(config.server, db, config.store, settingsSink, log, auth)
    : undefined;
  if (pull) workers.add('catalog-pull', pull);
  const till = new TillService({
    db,
    kkt: new AtolClient(config.kkt),
    store: config.store,
    till: config.till,
    clock: { now: () => new Date() },
    ids: { uuid: randomUUID },
    layouts,
    get taxation() {
      return storeSettings.taxation;
    },
    get allowReturnWithoutReceipt() {
      return storeSettings.allowReturnWithoutReceipt;
    },
    onDocument: () => uplink?.kick(),
    log,
  });
  // Messages for the sale screen: from the office (remote commands) and from the till itself.
  const messages: { id: string; text: string; at: string; kind: 'message' | 'shift-close' | 'till' }[] = [];
  // Settle what a crash left pending, then take the shift state from the ККТ.
  try {
    const r = await till.recover();
    const printed = printedNotice(r.settled);
    if (printed)
      messages.push({
        id: `recovered-${Date.now()}`,
        text: printed,
        at: new Date().toISOString(),
        kind: 'till',
      });
    for (const d of r.settled)
      log.info(
        `till: document ${d.number} left unfinished was ${d.state === 'done' ? 'fiscalised by the ККТ' : 'not fiscalised'}`,
      );
    if (r.pending > 0) log.warn(`till: ${r.pending} document(s) wait for the ККТ to answer`);
    await till.syncShift();
  } catch (e) {
    log.warn(
      `till: ККТ not reachable at start (${e instanceof Error ? e.message : String(e)}); will retry on the next operation`,
    );
  }
  const offline = {
    online: false,
    lastSuccessAt: null,
    lastError: 'no server configured',
    sent: 0,
    rejected: 0,
  };
  const beat = config.server
    ? new Heartbeat(
        config.server,
        {
          id: `till:${config.store}/${config.till}`,
          kind: 'till',
          store: config.store,
          name: `Касса ${config.till}`,
          version: TILL_VERSION,
        },
        async () => {
          const last = await db.db
            .selectFrom('documents')
            .select('fiscal_json')
            .where('fiscal_json', 'is not', null)
            .orderBy('number', 'desc')
            .limit(1)
            .executeTakeFirst();
          const fiscal = last?.fiscal_json
            ? (JSON.parse(last.fiscal_json) as { fn: string; fd: number })
            : undefined;
          const status = {
            shift: await till.shift(),
            uploadQueue: await outbox.count(),
            uploadRejected: await outbox.rejected(),
            lastUploadAt: uplink?.status().lastSuccessAt ?? null,
            kktPending: await till.pendingCount(),
            kkt: config.kkt,
            ...(fiscal && { fn: fiscal.fn, lastFd: fiscal.fd }),
            catalogCursor: pull?.status().cursor ?? null,
          };
          return { status };
        },
        async (c) => {
          switch (c.kind) {
            case 'reloadCatalog':
              if (!pull) return { ok: false, result: 'this till has no server catalogue' };
              await pull.reload();
              return { ok: true, result: 'catalogue reload started' };
            case 'message':
            case 'requestShiftClose': {
              const text =
                c.kind === 'message'
                  ? String(c.payload.text)
                  : `Офис просит закрыть смену${typeof c.payload.text === 'string' ? `: ${c.payload.text}` : ''}`;
              messages.push({
                id: c.id,
                text,
                at: new Date().toISOString(),
                kind: c.kind === 'message' ? 'message' : 'shift-close',
              });
              if (messages.length > 20) messages.shift();
              return { ok: true, result: 'shown to the cashier' };
            }
            default:
              return { ok: false, result: `unknown command ${c.kind}` };
          }
        },
        log,
        config.heartbeatMs ?? 30_000,
        auth,
      )
    : undefined;
  if (beat) workers.add('heartbeat', beat);
  const app = buildTillApp({
    db,
    till,
    sessions: new Sessions(),
    store: config.store,
    tillId: config.till,
    layouts: layoutSettings,
    ...(pull && { catalog: () => pull.status() }),
    messages: () => messages,
    workers,
    upload: {
      status: () => uplink?.status() ?? offline,
      pending: () => outbox.count(),
      rejected: () => outbox.rejected(),
    },
  });
  const url = await app.listen({ host: config.http.host, port: config.http.port });
  return {
    url,
    async close() {
      await closeHttp(app);
      await workers.stop();
      await db.close();
    },
  };
}
