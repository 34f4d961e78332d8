import type { Database } from '@openkassa/db';
import type { Supervisor, UplinkStatus } from '@openkassa/runtime';
import type { AuthService } from './auth/index.js';
import type { CatalogService } from './catalog/index.js';
import type { WarnAge } from './fiscal/index.js';
import type { Metrics } from './metrics.js';
import type { SalesIngest } from './sales/index.js';
import type { ServerSchema } from './schema.js';

/**
 * What the cash server's HTTP app is built from, made by `main.ts` (or a test) by hand. Each
 * feature's `register` takes the part of it it uses.
 */
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
