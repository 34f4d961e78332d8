/**
 * Where connections wait for the OFD's answer to their (ФН, ФД). This process's forwarder
 * notifies directly. When other nodes may forward (PostgreSQL cluster), one shared poll looks
 * up the answers of every waiting key at once.
 */
export type AnswerLookup = (
  keys: readonly { fn: string; fd: number }[],
) => Promise<readonly { fn: string; fd: number; answer: Uint8Array }[]>;

export class AnswerHub {
  readonly #waiters = new Map<
    string,
    { fn: string; fd: number; done: Set<(a: Uint8Array | undefined) => void> }
  >();
  readonly #lookup: AnswerLookup | undefined;
  readonly #pollMs: number;
  #poller: NodeJS.Timeout | undefined;
  #polling = false;

  constructor(lookup?: AnswerLookup, pollMs = 250) {
    this.#lookup = lookup;
    this.#pollMs = pollMs;
  }

  notify(fn: string, fd: number, answer: Uint8Array): void {
    const w = this.#waiters.get(`${fn}/${fd}`);
    if (!w) return;
    for (const done of [...w.done]) done(answer);
  }

  wait(fn: string, fd: number, ms: number): Promise<Uint8Array | undefined> {
    const key = `${fn}/${fd}`;
    return new Promise((resolve) => {
      const finish = (a: Uint8Array | undefined) => {
        clearTimeout(timer);
        const w = this.#waiters.get(key);
        w?.done.delete(finish);
        if (w?.done.size === 0) this.#waiters.delete(key);
        if (this.#waiters.size === 0 && this.#poller) {
          clearInterval(this.#poller);
          this.#poller = undefined;
        }
        resolve(a);
      };
      const timer = setTimeout(() => finish(undefined), ms);
      const w = this.#waiters.get(key) ?? { fn, fd, done: new Set() };
      w.done.add(finish);
      this.#waiters.set(key, w);
      if (this.#lookup && !this.#poller) this.#poller = setInterval(() => void this.#poll(), this.#pollMs);
    });
  }

  async #poll(): Promise<void> {
    if (this.#polling || !this.#lookup) return;
    this.#polling = true;
    try {
      const keys = [...this.#waiters.values()].map((w) => ({ fn: w.fn, fd: w.fd }));
      for (let i = 0; i < keys.length; i += 500) {
        for (const a of await this.#lookup(keys.slice(i, i + 500))) this.notify(a.fn, a.fd, a.answer);
      }
    } catch {
      // the next poll tries again; the waiters time out on their own
    } finally {
      this.#polling = false;
    }
  }

  get waiting(): number {
    let n = 0;
    for (const w of this.#waiters.values()) n += w.done.size;
    return n;
  }
}
