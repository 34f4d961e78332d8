import { CommitNotSyncedError, type Database, type Tx } from './database.js';
import { databaseUnavailable } from './errors.js';

/**
 * Group commit: many small writes share one transaction, so one durable commit (one fsync on
 * SQLite) serves a whole batch. Each caller's promise resolves only after the commit that holds
 * its item is on disk, so "acknowledge after commit" still holds; on SQLite that sync runs in
 * the thread pool (`sync: 'background'`), so the event loop goes on reading the sockets whose
 * writes make up the next batch. While a batch commits, new items queue for the next one. If a
 * batch fails, its items are retried one by one, so one bad item cannot fail the others.
 */
export class GroupCommitter<DB, T, R> {
  readonly #db: Database<DB>;
  readonly #work: (tx: Tx<DB>, items: readonly T[]) => Promise<R[]>;
  readonly #maxBatch: number;
  readonly #durable: (item: T) => boolean;
  #queue: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void; due: number }[] = [];
  #running = false;
  /** A pending start for writes that may wait, and when it fires. */
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #lastBatch = 0;

  constructor(
    db: Database<DB>,
    work: (tx: Tx<DB>, items: readonly T[]) => Promise<R[]>,
    opts: {
      maxBatch?: number;
      /**
       * Which items need a durable commit (default: all). A batch holding none of them commits
       * without waiting for the disk; one holding any commits with `sync: 'background'` (see
       * `TransactionOptions.sync`).
       */
      durable?: (item: T) => boolean;
    } = {},
  ) {
    this.#db = db;
    this.#work = work;
    this.#maxBatch = opts.maxBatch ?? 500;
    this.#durable = opts.durable ?? (() => true);
  }

  /**
   * Queues `item` for the next commit. With `within`, the item does not start a commit by itself
   * for that many milliseconds: it joins the next commit another write starts (or its own, once
   * the time is up), so a write nobody waits for does not cost a commit of its own.
   */
  submit(item: T, opts: { within?: number } = {}): Promise<R> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, resolve, reject, due: Date.now() + (opts.within ?? 0) });
      this.#drain();
    });
  }

  /**
   * Commits everything queued, the writes that may wait included, and resolves once the queue is
   * empty; for a clean stop, with nothing left waiting for its time.
   */
  async flush(): Promise<void> {
    while (this.#running || this.#queue.length > 0) {
      for (const q of this.#queue) q.due = 0;
      this.#drain();
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  #drain(): void {
    if (this.#running || this.#queue.length === 0) return;
    const now = Date.now();
    let due = Infinity;
    for (const q of this.#queue) if (q.due < due) due = q.due;
    if (due > now) {
      // only writes that may wait: come back when the first of them may wait no longer
      if (due < this.#timerAt) {
        clearTimeout(this.#timer);
        this.#timerAt = due;
        this.#timer = setTimeout(() => {
          this.#timerAt = Infinity;
          this.#drain();
        }, due - now);
      }
      return;
    }
    clearTimeout(this.#timer);
    this.#timerAt = Infinity;
    this.#running = true;
    // Let the event loop turn once before the batch starts: writes that arrive with the
    // sockets it reads meanwhile join this commit instead of each waiting for its own. With a
    // synchronous driver, starting at once (in a microtask) would commit items one by one.
    const start = () => {
      const batch = this.#queue.splice(0, this.#maxBatch);
      this.#lastBatch = batch.length;
      this.#run(batch)
        .catch(() => undefined)
        .finally(() => {
          this.#running = false;
          this.#drain();
        });
    };
    // Under load (the last batch held four writes or more) linger a millisecond more, so batches grow
    // and commits fall; at a trickle, start after one loop turn and add no latency.
    if (this.#lastBatch >= 4) setTimeout(start, 1);
    else setImmediate(start);
  }

  async #run(batch: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[]): Promise<void> {
    try {
      const items = batch.map((b) => b.item);
      const results = await this.#db.transaction((tx) => this.#work(tx, items), {
        sync: items.some(this.#durable) ? 'background' : 'none',
      });
      batch.forEach((b, i) => b.resolve(results[i]!));
    } catch (e) {
      if (batch.length === 1 || e instanceof CommitNotSyncedError || databaseUnavailable(e)) {
        // a batch that committed but failed to sync is not written again; with the database away
        // no item would fare better on its own
        for (const b of batch) b.reject(e);
        return;
      }
      for (const b of batch) {
        try {
          const [r] = await this.#db.transaction((tx) => this.#work(tx, [b.item]), {
            sync: this.#durable(b.item) ? 'background' : 'none',
          });
          b.resolve(r!);
        } catch (err) {
          b.reject(err);
        }
      }
    }
  }
}
