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

/**
 * The report for a caller without credentials (a monitoring probe): the state of the database and
 * of each worker, and what is wrong in general words, without the errors' own text.
 */
export function withoutDetails(h: HealthReport): HealthReport {
  return {
    status: h.status,
    database: h.database.ok ? { ok: true } : { ok: false, error: 'unavailable', since: h.database.since },
    workers: h.workers.map(workerWithoutDetails),
    ...(h.problems && {
      problems: [
        ...(h.database.ok ? [] : ['database: unavailable']),
        ...h.workers.filter((w) => w.state === 'restarting').map((w) => `worker ${w.name} is restarting`),
      ],
    }),
  };
}

/** A worker's state for a caller without credentials: whether it failed, not the error's text. */
export function workerWithoutDetails(w: WorkerHealth): WorkerHealth {
  return { ...w, lastError: w.lastError === null ? null : 'failed' };
}
