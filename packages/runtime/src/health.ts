import type { WorkerHealth } from './supervisor.js';

/** What a database says of itself (`Database.health()` of packages/db). */
export type DatabaseState =
  { readonly ok: true } | { readonly ok: false; readonly error: string; readonly since: string };

export interface HealthReport {
  readonly status: 'ok' | 'degraded';
  readonly database: DatabaseState;
  readonly workers: readonly WorkerHealth[];
  /** What makes it degraded, one line each. */
  readonly problems?: readonly string[];
}

/**
 * A role's `/healthz`: `ok`, or `degraded` naming the database that does not answer and every
 * background worker waiting to be started again.
 */
export function healthReport(database: DatabaseState, workers: readonly WorkerHealth[]): HealthReport {
  const problems = [
    ...(database.ok ? [] : [`database: ${database.error}`]),
    ...workers
      .filter((w) => w.state === 'restarting')
      .map((w) => `worker ${w.name} is restarting after: ${w.lastError ?? '?'}`),
  ];
  return problems.length === 0
    ? { status: 'ok', database, workers }
    : { status: 'degraded', database, workers, problems };
}
