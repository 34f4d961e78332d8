import { parseMessage, readOperatorAck } from '@openkassa/fiscal';
import type { ServerSchema } from '../schema.js';
import type { Metrics } from '../metrics.js';
import type { AnswerHub } from './answers.js';
import { Wakeup } from '@openkassa/runtime';
import { EarlyConnection, exchangeOnce, ExchangeError } from '@openkassa/ofd-net';
import type { Database } from '@openkassa/db';
import type { RelayWriter } from './relay.writer.js';
import { claimDue, dueMessages, reclaim, type Claimed } from './relay.repo.js';

/** A message's key in this node's sets of what it has queued or in flight. */
const keyOf = (c: { fn: string; fd: number }) => `${c.fn}/${c.fd}`;

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
  /** Exchanges holding one of the `concurrency` slots, each until its answer (or failure) is in. */
  #inflight = 0;
  /** Every exchange until its outcome is stored; `run()` waits for them when stopped. */
  readonly #tasks = new Set<Promise<void>>();
  /** Keys queued or in flight here (until their outcome is stored), which a scan must not pick. */
  readonly #inflightKeys = new Set<string>();
  readonly #queue: Claimed[] = [];
  #nextScan = 0;
  #stopped = false;
  /** Work arrived (a new message, a slot freed); a pause for a failing upstream ignores it. */
  readonly #work = new Wakeup();
  readonly #stopping = new Wakeup();
  /** Failed rounds in a row: the pause before the next round grows with it. */
  #failures = 0;
  /**
   * Counts outcomes: only an exchange started after the last answer or failed round can fail a
   * new round. Every exchange in flight when the upstream fails fails alike (a silent upstream
   * times out all of them at once); they count as one failed round, not as one each, or a glitch
   * with 60 documents in flight would pause the queue for the longest backoff. And one started
   * before an answer came back does not start a new run of failures when it fails.
   */
  #round = 0;
  /** Connections opened early (`connectEarly`), not yet taken by an exchange or closed. */
  #early = 0;
  readonly #writer: RelayWriter;

  constructor(deps: {
    db: Database<ServerSchema>;
    writer: RelayWriter;
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
    this.#writer = deps.writer;
  }

  kick(): void {
    this.#work.notify();
  }

  /** The claim a message stored on this node gets, so other nodes leave it to this one. */
  claimFor(now: Date): { node: string; until: string } {
    return { node: this.#cfg.node, until: this.#lease(now) };
  }

  /** How long a claim holds: an exchange's whole timeout, and the storing of its outcome. */
  #lease(now: Date): string {
    return new Date(now.getTime() + this.#cfg.answerTimeoutMs + 15_000).toISOString();
  }

  /**
   * A connection to the upstream for a message being stored, when it would be sent at once (a free
   * slot, nothing queued, the upstream answering): the handshake then overlaps the commit.
   */
  connectEarly(): EarlyConnection | undefined {
    if (this.#failures > 0 || this.#queue.length > 0 || this.#inflight + this.#early >= this.#cfg.concurrency)
      return undefined;
    // Each one holds a slot until it is taken or closed: the messages of one commit must not open
    // more connections than there are slots to send them in (the rest would wait, unused).
    this.#early++;
    return new EarlyConnection(this.#cfg.upstream, () => this.#early--);
  }

  /**
   * Forward a message this node has just stored (and claimed), without reading it back: at once
   * when a slot is free and the upstream answers, otherwise after what is queued before it.
   */
  enqueue(c: Claimed): void {
    if (
      !this.#stopped &&
      this.#failures === 0 &&
      this.#queue.length === 0 &&
      this.#inflight < this.#cfg.concurrency
    ) {
      this.#launch(c);
      return;
    }
    this.#inflightKeys.add(keyOf(c));
    this.#queue.push(c);
    this.#work.notify();
  }

  stop(): void {
    this.#stopped = true;
    this.#work.notify();
    this.#stopping.notify();
  }

  #isStopped(): boolean {
    return this.#stopped;
  }

  /**
   * Work for this node: on PostgreSQL rows are claimed in the database, so several nodes split
   * them; SQLite has one process, which only skips what it has in flight and what is still held by
   * the claim it was stored with (its store not yet returned).
   */
  async #claim(now: Date, limit: number): Promise<Claimed[]> {
    if (this.#db.dialect === 'sqlite')
      return dueMessages(this.#db, now.toISOString(), limit, this.#inflightKeys);
    const claimed = await claimDue(this.#db, this.#cfg.node, now.toISOString(), this.#lease(now), limit);
    // one whose claim lapsed while it was queued or in flight here is already on its way
    return claimed.filter((c) => !this.#inflightKeys.has(keyOf(c)));
  }

  /**
   * Queued messages about to be sent, on PostgreSQL: one that waited so long (an upstream down or
   * slow) that its claim could lapse before its exchange ends is claimed again first, or another
   * node could take it meanwhile; one another node has already taken is left to that node. (On
   * SQLite the one process's in-flight keys keep its scans off them.)
   */
  async #stillOurs(batch: Claimed[], now: Date): Promise<Claimed[]> {
    const needed = new Date(now.getTime() + this.#cfg.answerTimeoutMs + 5_000).toISOString();
    const stale = batch.filter((c) => c.claimedUntil === undefined || c.claimedUntil < needed);
    if (stale.length === 0) return batch;
    let kept: Set<string>;
    try {
      const keys = await reclaim(this.#db, this.#cfg.node, stale, now.toISOString(), this.#lease(now));
      kept = new Set(keys.map(keyOf));
    } catch (e) {
      // left to the scans, which claim before they send
      this.#log.warn(
        `could not renew the claims of queued messages: ${e instanceof Error ? e.message : String(e)}`,
      );
      kept = new Set();
    }
    return batch.filter((c) => {
      const key = keyOf(c);
      if (!stale.includes(c) || kept.has(key)) return true;
      this.#inflightKeys.delete(key);
      c.early?.close();
      return false;
    });
  }

  #backoff(attempts: number): number {
    return Math.min(this.#cfg.retryMinMs * 2 ** Math.min(attempts, 16), this.#cfg.retryMaxMs);
  }

  async run(): Promise<void> {
    while (!this.#isStopped()) {
      const free = this.#cfg.concurrency - this.#inflight;
      if (free <= 0) {
        // a slot freed notifies
        await this.#work.wait(this.#cfg.pollMs);
        continue;
      }
      if (this.#failures > 0) {
        // The upstream is failing: pause the whole queue, not only the documents that failed.
        await this.#stopping.wait(this.#backoff(this.#failures - 1));
        if (this.#isStopped()) break;
      }
      const now = this.#now();
      // Messages stored here arrive through the queue; the database is scanned only every poll
      // interval, for retries, recovery after a restart and (PostgreSQL) other nodes' work.
      let claimed: Claimed[] = [];
      if (this.#queue.length > 0) {
        claimed = this.#queue.splice(0, free);
        if (this.#db.dialect === 'postgres') claimed = await this.#stillOurs(claimed, now);
      } else if (now.getTime() >= this.#nextScan) {
        claimed = await this.#claim(now, free);
        if (claimed.length < free) this.#nextScan = now.getTime() + this.#cfg.pollMs;
      }
      if (claimed.length === 0) {
        const pause = Math.max(1, this.#nextScan - now.getTime());
        await this.#work.wait(pause);
        continue;
      }
      for (const c of claimed) this.#launch(c);
    }
    await Promise.allSettled(this.#tasks);
  }

  /** Starts the exchange of `c` in a slot of its own. */
  #launch(c: Claimed): void {
    const key = keyOf(c);
    this.#inflightKeys.add(key);
    this.#inflight++;
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      this.#inflight--;
      this.#work.notify();
    };
    const task = this.#forward(c, release).finally(() => {
      release();
      this.#inflightKeys.delete(key);
      this.#tasks.delete(task);
    });
    this.#tasks.add(task);
  }

  /** One exchange; `release` frees its slot once the answer is in, before the answer is stored. */
  async #forward(c: Claimed, release: () => void): Promise<void> {
    const started = performance.now();
    const round = this.#round;
    try {
      const frame = await exchangeOnce(
        this.#cfg.upstream,
        c.message,
        this.#cfg.answerTimeoutMs,
        undefined,
        c.early,
      );
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
      // The waiting connection gets the answer before it is stored: the answer is the OFD's, byte
      // for byte, and if this process dies before the commit the message is still unanswered
      // here, so it is forwarded again and the OFD answers the repeat again.
      this.#hub.notify(c.fn, c.fd, frame);
      this.#metrics.forwardLatency.observe((performance.now() - started) / 1000);
      this.#metrics.forwarded.inc({ outcome: 'answered' });
      this.#failures = 0;
      // what fails now of an exchange started before this answer says nothing new: the
      // upstream answers
      this.#round++;
      release();
      try {
        await this.#writer.answer({
          fn: c.fn,
          fd: c.fd,
          answer: frame,
          code: ack?.code ?? null,
          now: this.#now().toISOString(),
        });
      } catch (e) {
        this.#log.warn(
          `ФН ${c.fn} ФД ${c.fd}: the answer was passed on but not stored (${e instanceof Error ? e.message : String(e)}); the message goes upstream again`,
        );
      }
    } catch (e) {
      const err =
        e instanceof ExchangeError ? e : new ExchangeError(e instanceof Error ? e.message : String(e), false);
      this.#metrics.forwarded.inc({ outcome: 'failed' });
      this.#metrics.upstreamErrors.inc();
      if (round === this.#round) {
        this.#failures++;
        this.#round++;
        // the first failed round, then every tenth (with the longest pause, every ten minutes)
        if (this.#failures === 1 || this.#failures % 10 === 0) {
          this.#log.warn(
            `upstream ${this.#cfg.upstream.host}:${this.#cfg.upstream.port}: ФН ${c.fn} ФД ${c.fd} not delivered (${err.message}); retrying`,
          );
        }
      }
      const now = this.#now();
      try {
        await this.#writer.failure({
          fn: c.fn,
          fd: c.fd,
          sent: err.sent,
          error: err.message,
          now: now.toISOString(),
          nextAttemptAt: new Date(now.getTime() + this.#backoff(c.attempts)).toISOString(),
        });
        // Its retry is found by the next scan, which must not wait past the retry time.
        this.#nextScan = Math.min(this.#nextScan, now.getTime() + this.#backoff(c.attempts));
      } catch (dbErr) {
        // The claim lapses by itself; the message is retried after the lease.
        this.#log.warn(
          `could not record a failed delivery: ${dbErr instanceof Error ? dbErr.message : String(dbErr)}`,
        );
      }
    }
  }
}
