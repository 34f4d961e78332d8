import Fastify, { type FastifyInstance } from 'fastify';
import * as audit from './audit/audit.routes.js';
import * as auth from './auth/auth.routes.js';
import { guard } from './auth/index.js';
import * as catalog from './catalog/catalog.routes.js';
import type { ServerAppContext } from './context.js';
import * as devices from './devices/devices.routes.js';
import { hostileInput } from './errors.js';
import * as exchange from './exchange/exchange.routes.js';
import * as fiscal from './fiscal/fiscal.routes.js';
import * as reports from './reports/reports.routes.js';
import * as sales from './sales/sales.routes.js';
import * as system from './system/system.routes.js';

export type { ServerAppContext } from './context.js';

/** The features of the cash server's HTTP API, each registering its own routes. */
const FEATURES = [system, auth, audit, fiscal, catalog, sales, reports, exchange, devices] as const;

/**
 * The HTTP app; built without listening (tests use inject). It only composes: the refusal of
 * hostile input and the access guard first, then every feature's routes.
 */
export function buildServerApp(ctx: ServerAppContext): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, ...(ctx.https && { https: ctx.https }) });
  const routes: string[] = [];
  routeLists.set(app, routes);
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push(`${m} ${r.url}`);
  });
  hostileInput(app);
  guard(app, ctx.auth);
  for (const f of FEATURES) f.register(app, ctx);
  return app;
}

const routeLists = new WeakMap<FastifyInstance, string[]>();

/** Every route ("METHOD /path"), without the HEAD twins Fastify adds to each GET. */
export function routesOf(app: FastifyInstance): string[] {
  return [...(routeLists.get(app) ?? [])].sort();
}
