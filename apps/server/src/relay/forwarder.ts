import type { Database } from '@openkassa/db';
import { parseMessage, readOperatorAck } from '@openkassa/fiscal';
import type { ServerSchema } from '../schema.js';
import type { Metrics } from '../metrics.js';
import type { AnswerHub } from './answers.js';
import { exchangeOnce, ExchangeError } from './exchange.js';
import { claimDue, recordAnswer, recordFailure, type Claimed } from './relay.repo.js';

export interface ForwarderConfig {
  readonly upstream: { readonly host: string; readonly port: number };
  /** This process's name in row claims. */
  readonly node: string;
  readonly answerTimeoutMs: number;
  /** Messages in flight to the upstream at once. */
  readonly concurrency: number;
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  /** How often to look for work another node or a lapsed claim made due. */
  readonly pollMs: number;
}

/**
 * Background forwarding ("докат"): claims due messages, sends each upstream unchanged, stores
 * the answer that matches its (ФН, ФД), and backs off on failure, forever. Runs whether or not
 * any ККТ is connected. `run()` resolves when stopped.
 */
export class Forwarder {
  readonly #db: Database<ServerSchema>;
  readonly #hub: AnswerHub;
  readonly #cfg: ForwarderConfig;
  readonly #metrics: Metrics;
  readonly #log: { warn(m: string): void };
  readonly #now: () => Date;
  readonly #inflight = new Set<Promise<void>>();
  #stopped = false;
  #wake: (() => void) | undefined;
  #failures = 0;

  constructor(deps: {
    db: Database<ServerSchema>;
    hub: AnswerHub;
    config: ForwarderConfig;
    metrics: Metrics;
    log: { warn(m: string): void };
    clock: { now(): Date };
  }) {
    this.#db = deps.db;
    this.#hub = deps.hub;
    this.#cfg = deps.config;
    this.#metrics = deps.metrics;
    this.#log = deps.log;
    this.#now = () => deps.clock.now();
  }

  kick(): void {
    this.#wake?.();
  }

  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }

  #isStopped(): boolean {
    return this.#stopped;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }

  #backoff(attempts: number): number {
    return Math.min(this.#cfg.retryMinMs * 2 ** Math.min(attempts, 16), this.#cfg.retryMaxMs);
  }

  async run(): Promise<void> {
    while (!this.#isStopped()) {
      const free = this.#cfg.concurrency - this.#inflight.size;
      if (free <= 0) {
        await Promise.race(this.#inflight);
        continue;
      }
      if (this.#failures > 0) {
        // The upstream is failing: pause the whole queue, not only the documents that failed.
        await this.#sleep(this.#backoff(this.#failures - 1));
        if (this.#isStopped()) break;
      }
      const now = this.#now();
      const claimed = await claimDue(
        this.#db,
        this.#cfg.node,
        now.toISOString(),
        new Date(now.getTime() + this.#cfg.answerTimeoutMs + 15_000).toISOString(),
        free,
      );
      if (claimed.length === 0) {
        if (this.#inflight.size > 0) await Promise.race([...this.#inflight, this.#sleep(this.#cfg.pollMs)]);
        else await this.#sleep(this.#cfg.pollMs);
        continue;
      }
      for (const c of claimed) {
        const p = this.#forward(c).finally(() => this.#inflight.delete(p));
        this.#inflight.add(p);
      }
    }
    await Promise.allSettled(this.#inflight);
  }

  async #forward(c: Claimed): Promise<void> {
    const started = performance.now();
    try {
      const frame = await exchangeOnce(this.#cfg.upstream, c.message, this.#cfg.answerTimeoutMs);
      const m = parseMessage(frame);
      if (!m.ok) throw new ExchangeError(`unreadable answer: ${m.error.message}`, true);
      const h = m.value.container?.header;
      // An answer for another document must never be stored (or returned) as this one's.
      if (!h || h.fnNumber !== c.fn || h.fdNumber !== c.fd) {
        throw new ExchangeError(
          `answer is for ${h ? `ФН ${h.fnNumber} ФД ${h.fdNumber}` : 'no document'}, not ФН ${c.fn} ФД ${c.fd}`,
          true,
        );
      }
      const ack = m.value.container.document ? readOperatorAck(m.value.container.document) : undefined;
      await recordAnswer(this.#db, c.fn, c.fd, frame, ack?.code ?? null, this.#now().toISOString());
      this.#metrics.forwardLatency.observe((performance.now() - started) / 1000);
      this.#metrics.forwarded.inc({ outcome: 'answered' });
      this.#failures = 0;
      this.#hub.notify(c.fn, c.fd, frame);
    } catch (e) {
      const err =
        e instanceof ExchangeError ? e : new ExchangeError(e instanceof Error ? e.message : String(e), false);
      this.#metrics.forwarded.inc({ outcome: 'failed' });
      this.#metrics.upstreamErrors.inc();
      this.#failures++;
      if (this.#failures === 1 || this.#failures % 100 === 0) {
        this.#log.warn(
          `upstream ${this.#cfg.upstream.host}:${this.#cfg.upstream.port}: ФН ${c.fn} ФД ${c.fd} not delivered (${err.message}); retrying`,
        );
      }
      const now = this.#now();
      try {
        await recordFailure(this.#db, c.fn, c.fd, {
          sent: err.sent,
          error: err.message,
          now: now.toISOString(),
          nextAttemptAt: new Date(now.getTime() + this.#backoff(c.attempts)).toISOString(),
        });
      } catch (dbErr) {
        // The claim lapses by itself; the message is retried after the lease.
        this.#log.warn(
          `could not record a failed delivery: ${dbErr instanceof Error ? dbErr.message : String(dbErr)}`,
        );
      }
    }
  }
}
