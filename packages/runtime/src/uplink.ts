import { salesApi } from '@openkassa/contracts';
import type { DeviceCredentials } from './credentials.js';
import { Wakeup } from './wakeup.js';

/** One document waiting in an outbox: its id and the JSON object to send. */
export interface OutboxItem {
  readonly id: string;
  readonly document: unknown;
}

export interface ItemAck {
  readonly id: string;
  readonly status: 'stored' | 'duplicate' | 'rejected';
  readonly reason?: string;
}

/** Where the uplink reads pending documents and records what the receiver said about each. */
export interface Outbox {
  pending(limit: number): Promise<OutboxItem[]>;
  /** Stored and duplicate leave the outbox; rejected ones are set aside with their reason. */
  settle(acks: readonly ItemAck[]): Promise<void>;
}

export interface UplinkConfig {
  /** The receiver's batch endpoint, e.g. http://hq:8080/api/v1/sales/batch. */
  readonly url: string;
  readonly batchSize: number;
  readonly timeoutMs: number;
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  /** How often to look at the outbox when nobody kicks. */
  readonly pollMs: number;
  /** The device's credentials at the receiver. */
  readonly auth?: DeviceCredentials;
  /** Checked while there is nothing to send, so the link state shown to users stays true. */
  readonly healthUrl?: string;
}

export interface UplinkStatus {
  /** The last attempt reached the receiver and was answered. */
  readonly online: boolean;
  readonly lastSuccessAt: string | null;
  readonly lastError: string | null;
  readonly sent: number;
  readonly rejected: number;
}

/**
 * Sends an outbox upstream in batches until every document is acknowledged: the receiver
 * answers per document, and only then does a document leave the outbox, so a crash on either
 * side at any moment means a re-send, which the receiver recognises by id. Retries with backoff
 * forever (offline for days is normal). `run()` resolves when stopped.
 */
export class BatchUplink {
  readonly #cfg: UplinkConfig;
  readonly #outbox: Outbox;
  readonly #log: { warn(m: string): void };
  readonly #work = new Wakeup();
  #stopped = false;
  #failures = 0;
  #status: UplinkStatus = { online: false, lastSuccessAt: null, lastError: null, sent: 0, rejected: 0 };

  constructor(cfg: UplinkConfig, outbox: Outbox, log: { warn(m: string): void }) {
    this.#cfg = cfg;
    this.#outbox = outbox;
    this.#log = log;
  }

  status(): UplinkStatus {
    return this.#status;
  }

  /** New documents are in the outbox: send now rather than at the next poll. */
  kick(): void {
    this.#work.notify();
  }

  stop(): void {
    this.#stopped = true;
    this.#work.notify();
  }

  async run(): Promise<void> {
    while (!this.#stopped) {
      let wait = this.#cfg.pollMs;
      try {
        const batch = await this.#outbox.pending(this.#cfg.batchSize);
        if (batch.length === 0 && this.#cfg.healthUrl) {
          const res = await fetch(this.#cfg.healthUrl, { signal: AbortSignal.timeout(this.#cfg.timeoutMs) });
          if (!res.ok) throw new Error(`HTTP ${res.status} from ${this.#cfg.healthUrl}`);
          this.#status = { ...this.#status, online: true, lastError: null };
          this.#failures = 0;
        }
        if (batch.length > 0) {
          const acks = await this.#post(batch);
          await this.#outbox.settle(acks);
          const rejected = acks.filter((a) => a.status === 'rejected');
          for (const r of rejected) this.#log.warn(`uplink: document ${r.id} rejected: ${r.reason ?? '?'}`);
          this.#status = {
            online: true,
            lastSuccessAt: new Date().toISOString(),
            lastError: null,
            sent: this.#status.sent + acks.length - rejected.length,
            rejected: this.#status.rejected + rejected.length,
          };
          this.#failures = 0;
          // A full batch means more is waiting: go on at once.
          if (batch.length === this.#cfg.batchSize) continue;
        }
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        if (this.#failures === 0 || this.#failures % 50 === 0)
          this.#log.warn(`uplink to ${this.#cfg.url}: ${msg}; retrying`);
        this.#failures++;
        this.#status = { ...this.#status, online: false, lastError: msg };
        wait = Math.min(this.#cfg.retryMinMs * 2 ** Math.min(this.#failures - 1, 16), this.#cfg.retryMaxMs);
      }
      await this.#work.wait(wait);
    }
  }

  async #post(batch: readonly OutboxItem[]): Promise<ItemAck[]> {
    const res = await fetch(this.#cfg.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await this.#cfg.auth?.headers()) },
      body: JSON.stringify({ documents: batch.map((b) => b.document) }),
      signal: AbortSignal.timeout(this.#cfg.timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
    const body = JSON.parse(text) as { results?: unknown };
    if (!Array.isArray(body.results)) throw new Error('answer has no results');
    const ids = new Set(batch.map((b) => b.id));
    // Only acknowledgements for what was sent count; anything else is a receiver bug.
    return (body.results as unknown[]).filter((a): a is ItemAck => {
      const x = a as Partial<Record<keyof ItemAck, unknown>> | null;
      return (
        typeof x?.id === 'string' &&
        ids.has(x.id) &&
        (x.status === 'stored' || x.status === 'duplicate' || x.status === 'rejected')
      );
    });
  }
}

/**
 * An uplink of an outbox of sales documents to a cash server (a till to its server, a store
 * server to its head office): its batch endpoint, checked through /healthz while idle.
 */
export function salesUplink(
  server: string,
  outbox: Outbox,
  log: { warn(m: string): void },
  timing: { retryMinMs: number; retryMaxMs: number; pollMs: number },
  auth?: DeviceCredentials,
): BatchUplink {
  return new BatchUplink(
    {
      url: new URL(salesApi.batch.url, server).toString(),
      healthUrl: new URL('/healthz', server).toString(),
      batchSize: 200,
      timeoutMs: 15_000,
      ...timing,
      ...(auth && { auth }),
    },
    outbox,
    log,
  );
}
