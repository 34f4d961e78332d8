import type { DeviceCredentials } from './credentials.js';
import { Wakeup } from './wakeup.js';

/** A page of a change feed: the changes after a cursor, and where to go on from. */
export interface FeedPage {
  readonly cursor: number;
  readonly changes: readonly unknown[];
}

export interface FeedStatus {
  readonly cursor: number;
  /** The last request reached the source and was answered. */
  readonly online: boolean;
  readonly lastError: string | null;
}

export interface FeedFollowerConfig<P extends FeedPage> {
  /** What is followed, for the log ("catalogue"). */
  readonly what: string;
  /** The source's address of the page after `since` (long-polling on the source's side). */
  readonly url: (since: number) => URL;
  /** Where this copy stands: the cursor of the last page applied. */
  readonly cursor: () => Promise<number>;
  /** Applies a page and moves the cursor, together. */
  readonly apply: (page: P) => Promise<void>;
  readonly timeoutMs: number;
  /** The follower's credentials at the source. */
  readonly auth?: DeviceCredentials;
}

/**
 * Follows a change feed (the catalogue, a store server following its head office, a till its
 * server): asks for the page after its cursor, applies it, asks again; the source holds the
 * request until something changes, so changes arrive within moments, and a copy cut off for
 * weeks catches up from where it stopped. Backs off while the source is unreachable.
 * `run()` resolves when stopped.
 */
export class FeedFollower<P extends FeedPage> {
  readonly #cfg: FeedFollowerConfig<P>;
  readonly #log: { warn(m: string): void };
  readonly #stopping = new Wakeup();
  #abort = new AbortController();
  #stopped = false;
  #failures = 0;
  #status: FeedStatus = { cursor: 0, online: false, lastError: null };

  constructor(cfg: FeedFollowerConfig<P>, log: { warn(m: string): void }) {
    this.#cfg = cfg;
    this.#log = log;
  }

  status(): FeedStatus {
    return this.#status;
  }

  stop(): void {
    this.#stopped = true;
    this.#abort.abort();
    this.#stopping.notify();
  }

  /** Drops the request in flight and asks again at once, from the cursor as it is now. */
  restart(): void {
    this.#abort.abort();
  }

  #isStopped(): boolean {
    return this.#stopped; // read after awaits; a plain check would be narrowed away
  }

  async run(): Promise<void> {
    while (!this.#isStopped()) {
      const url = this.#cfg.url(0).origin;
      try {
        const since = await this.#cfg.cursor();
        this.#abort = new AbortController();
        const res = await fetch(this.#cfg.url(since), {
          headers: { ...(await this.#cfg.auth?.headers()) },
          signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#cfg.timeoutMs)]),
        });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const page = (await res.json()) as P;
        if (page.cursor !== since || page.changes.length > 0) await this.#cfg.apply(page);
        this.#status = { cursor: page.cursor, online: true, lastError: null };
        this.#failures = 0;
      } catch (e) {
        if (this.#isStopped()) break;
        if (this.#abort.signal.aborted) continue; // restart: ask again from the new cursor
        const msg = e instanceof Error ? e.message : String(e);
        if (this.#failures === 0 || this.#failures % 50 === 0)
          this.#log.warn(`${this.#cfg.what} from ${url}: ${msg}; retrying`);
        this.#failures++;
        this.#status = { ...this.#status, online: false, lastError: msg };
        await this.#stopping.wait(Math.min(500 * 2 ** Math.min(this.#failures, 6), 30_000));
      }
    }
  }
}
