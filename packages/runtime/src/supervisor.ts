import { Wakeup } from './wakeup.js';

/**
 * A background loop: `run()` resolves when `stop()` was called and rejects when the loop dies.
 * The supervisor calls `run()` again after a failure, so a worker keeps what it needs across runs.
 */
export interface Worker {
  run(): Promise<void>;
  stop(): void;
}

export type WorkerStateName = 'running' | 'restarting' | 'stopped';

export interface WorkerHealth {
  readonly name: string;
  readonly state: WorkerStateName;
  /** Times the worker died and was started again since the process started. */
  readonly restarts: number;
  readonly lastError: string | null;
  readonly lastErrorAt: string | null;
}

export interface SupervisorOptions {
  readonly log: { warn(m: string): void; info?(m: string): void };
  readonly clock?: { now(): Date };
  /** The first pause before a restart; doubled for each failure in a row up to `maxBackoffMs`. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** A run that lasted this long before failing starts the pauses from the first again. */
  readonly healthyAfterMs?: number;
}

interface Entry {
  readonly name: string;
  readonly worker: Worker;
  state: WorkerStateName;
  restarts: number;
  lastError: string | null;
  lastErrorAt: string | null;
  done: Promise<void>;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Runs every background loop of a process (the relay's forwarder, uplinks, feed followers,
 * heartbeats, periodic jobs): a loop that throws — or returns without being stopped — is logged
 * with its name and started again after a pause that grows while it keeps failing, so no loop
 * dies silently. Its state feeds `/healthz` and `/metrics`.
 */
export class Supervisor {
  readonly #log: SupervisorOptions['log'];
  readonly #now: () => Date;
  readonly #minMs: number;
  readonly #maxMs: number;
  readonly #healthyAfterMs: number;
  readonly #entries: Entry[] = [];
  readonly #stopping = new Wakeup();
  #stopped = false;

  constructor(opts: SupervisorOptions) {
    this.#log = opts.log;
    this.#now = () => (opts.clock ?? { now: () => new Date() }).now();
    this.#minMs = opts.minBackoffMs ?? 1000;
    this.#maxMs = opts.maxBackoffMs ?? 30_000;
    this.#healthyAfterMs = opts.healthyAfterMs ?? 60_000;
  }

  /** Starts `worker` under the name shown in logs, `/healthz` and `/metrics`; returns it. */
  add<W extends Worker>(name: string, worker: W): W {
    if (this.#entries.some((e) => e.name === name)) throw new Error(`worker "${name}" is already supervised`);
    const entry: Entry = {
      name,
      worker,
      state: 'running',
      restarts: 0,
      lastError: null,
      lastErrorAt: null,
      done: Promise.resolve(),
    };
    this.#entries.push(entry);
    entry.done = this.#keep(entry);
    return worker;
  }

  /** Runs `fn` every `everyMs` (first after `firstAfterMs`) as a supervised worker. */
  every(name: string, everyMs: number, fn: () => Promise<void>, firstAfterMs = everyMs): Worker {
    return this.add(name, periodic(everyMs, fn, firstAfterMs));
  }

  health(): WorkerHealth[] {
    return this.#entries.map(({ name, state, restarts, lastError, lastErrorAt }) => ({
      name,
      state,
      restarts,
      lastError,
      lastErrorAt,
    }));
  }

  /** The workers that are down now (waiting to be started again). */
  failing(): string[] {
    return this.#entries.filter((e) => e.state === 'restarting').map((e) => e.name);
  }

  /** Stops every worker and waits for their runs to end. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopping.notify();
    for (const e of this.#entries) e.worker.stop();
    await Promise.all(this.#entries.map((e) => e.done));
  }

  #isStopped(): boolean {
    return this.#stopped; // read after awaits; a plain check would be narrowed away
  }

  async #keep(e: Entry): Promise<void> {
    let failuresInRow = 0;
    while (!this.#isStopped()) {
      const started = Date.now();
      let failure: unknown;
      try {
        await e.worker.run();
        if (this.#isStopped()) break;
        failure = new Error('ended without being stopped');
      } catch (err) {
        if (this.#isStopped()) break;
        failure = err;
      }
      if (Date.now() - started >= this.#healthyAfterMs) failuresInRow = 0;
      const pause = Math.min(this.#minMs * 2 ** Math.min(failuresInRow, 16), this.#maxMs);
      failuresInRow++;
      e.state = 'restarting';
      e.restarts++;
      e.lastError = message(failure);
      e.lastErrorAt = this.#now().toISOString();
      this.#log.warn(
        `worker ${e.name} failed: ${e.lastError}; restarting in ${(pause / 1000).toFixed(1)} s (restart ${e.restarts})`,
      );
      await this.#stopping.wait(pause);
      if (this.#isStopped()) break;
      e.state = 'running';
    }
    e.state = 'stopped';
  }
}

/**
 * A job run every `everyMs` as a worker: a failed run throws out of `run()`, so the supervisor logs
 * it and starts the job again after its pause.
 */
export function periodic(everyMs: number, fn: () => Promise<void>, firstAfterMs = everyMs): Worker {
  const wake = new Wakeup();
  let stopped = false;
  const isStopped = () => stopped; // read after awaits; a plain check would be narrowed away
  // the first run waits `firstAfterMs`; one started again after a failure retries at once
  let next = firstAfterMs;
  return {
    async run() {
      while (!isStopped()) {
        if (next > 0) await wake.wait(next);
        next = 0;
        if (isStopped()) break;
        await fn();
        next = everyMs;
      }
    },
    stop() {
      stopped = true;
      wake.notify();
    },
  };
}
