import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The server's Prometheus metrics; one registry per server instance. */
export function createMetrics(
  backlog: () => Promise<{ documents: number; fnOver: Record<string, number>; oldestAgeSeconds: number }>,
) {
  const registry = new Registry();
  // Process health: memory, event-loop lag, GC, open handles.
  collectDefaultMetrics({ register: registry });
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
