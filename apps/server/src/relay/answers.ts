/**
 * Where connections wait for the OFD's answer to their (ФН, ФД). The forwarder of this process
 * notifies directly; answers stored by another node (PostgreSQL cluster) are found by polling.
 */
export class AnswerHub {
  readonly #waiters = new Map<string, Set<(a: Uint8Array) => void>>();

  notify(fn: string, fd: number, answer: Uint8Array): void {
    const set = this.#waiters.get(`${fn}/${fd}`);
    if (!set) return;
    for (const w of set) w(answer);
  }

  wait(
    fn: string,
    fd: number,
    ms: number,
    poll: () => Promise<Uint8Array | undefined>,
    pollMs = 250,
  ): Promise<Uint8Array | undefined> {
    const key = `${fn}/${fd}`;
    return new Promise((resolve) => {
      let done = false;
      const finish = (a: Uint8Array | undefined) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearInterval(poller);
        const set = this.#waiters.get(key);
        set?.delete(finish);
        if (set?.size === 0) this.#waiters.delete(key);
        resolve(a);
      };
      const timer = setTimeout(() => finish(undefined), ms);
      const poller = setInterval(() => {
        poll().then(
          (a) => a && finish(a),
          () => undefined,
        );
      }, pollMs);
      const set = this.#waiters.get(key) ?? new Set();
      set.add(finish);
      this.#waiters.set(key, set);
    });
  }

  get waiting(): number {
    let n = 0;
    for (const s of this.#waiters.values()) n += s.size;
    return n;
  }
}
