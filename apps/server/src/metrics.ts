import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { WorkerHealth } from '@openkassa/runtime';

/** Per background worker: restarts, whether it runs, the age of its last error. */
export function workerMetrics(
  registry: Registry,
  workers: () => readonly WorkerHealth[],
  now: () => Date,
): void {
  new Counter({
    name: 'openkassa_worker_restarts_total',
    help: 'Times a background worker died and was started again',
    labelNames: ['worker'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const w of workers()) this.inc({ worker: w.name }, w.restarts);
    },
  });
  new Gauge({
    name: 'openkassa_worker_up',
    help: '1 while a background worker runs, 0 while it waits to be started again',
    labelNames: ['worker'] as const,
    registers: [registry],
    collect() {
      for (const w of workers()) this.set({ worker: w.name }, w.state === 'running' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'openkassa_worker_last_error_age_seconds',
    help: "Seconds since a background worker's last error (absent for one that never failed)",
    labelNames: ['worker'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const w of workers())
        if (w.lastErrorAt !== null)
          this.set({ worker: w.name }, (now().getTime() - Date.parse(w.lastErrorAt)) / 1000);
    },
  });
}

/** Sales documents refused at ingest, and fiscalised ones held for review: never silent. */
export function salesMetrics(
  registry: Registry,
  sales: { rejected(): number; heldForReview(): Promise<number> },
): void {
  new Counter({
    name: 'openkassa_sales_rejected_total',
    help: 'Sales documents refused at ingest since start (the sender keeps them with the reason)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sales.rejected());
    },
  });
  new Gauge({
    name: 'openkassa_sales_review_documents',
    help: 'Fiscalised documents that broke a rule, stored and held for review',
    registers: [registry],
    async collect() {
      this.set(await sales.heldForReview());
    },
  });
}

/** The server's Prometheus metrics; one registry per server instance. */
export function createMetrics(
  backlog: () => Promise<{ documents: number; fnOver: Record<string, number>; oldestAgeSeconds: number }>,
  workers?: { health(): readonly WorkerHealth[]; now(): Date },
) {
  const registry = new Registry();
  // Process health: memory, event-loop lag, GC, open handles.
  collectDefaultMetrics({ register: registry });
  if (workers)
    workerMetrics(
      registry,
      () => workers.health(),
      () => workers.now(),
    );
  const m = {
    registry,
    messagesIn: new Counter({
      name: 'openkassa_relay_messages_in_total',
      help: 'OFD-protocol messages received from ККТ or downstream relays',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    refused: new Counter({
      name: 'openkassa_relay_refused_total',
      help: 'Connections refused for malformed input',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    answersOut: new Counter({
      name: 'openkassa_relay_answers_out_total',
      help: 'OFD answers returned to the sender',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    noAnswerInTime: new Counter({
      name: 'openkassa_relay_no_answer_in_time_total',
      help: 'Messages whose answer did not come within the wait; the sender retries',
      registers: [registry],
    }),
    forwarded: new Counter({
      name: 'openkassa_relay_forwarded_total',
      help: 'Messages sent upstream',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    upstreamErrors: new Counter({
      name: 'openkassa_relay_upstream_errors_total',
      help: 'Failed exchanges with the upstream',
      registers: [registry],
    }),
    answerLatency: new Histogram({
      name: 'openkassa_relay_answer_latency_seconds',
      help: 'From receiving a message to returning its answer on the same connection',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    forwardLatency: new Histogram({
      name: 'openkassa_relay_upstream_latency_seconds',
      help: 'One exchange with the upstream',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
  new Gauge({
    name: 'openkassa_fiscal_backlog_documents',
    help: 'Documents not yet confirmed by the OFD',
    registers: [registry],
    async collect() {
      this.set((await backlog()).documents);
    },
  });
  new Gauge({
    name: 'openkassa_fiscal_oldest_unconfirmed_age_seconds',
    help: 'Age of the oldest unconfirmed document of any ФН',
    registers: [registry],
    async collect() {
      this.set((await backlog()).oldestAgeSeconds);
    },
  });
  new Gauge({
    name: 'openkassa_fiscal_fn_over_age',
    help: 'ФН whose oldest unconfirmed document is older than the warning age',
    labelNames: ['age'] as const,
    registers: [registry],
    async collect() {
      const b = await backlog();
      for (const [age, n] of Object.entries(b.fnOver)) this.set({ age }, n);
    },
  });
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
