/**
 * Wakes a background worker when there is work. A notify that comes while the worker is busy
 * is remembered, so the worker's next wait returns at once instead of sleeping through work
 * that arrived between its last look and its sleep (the lost-wakeup race).
 */
export class Wakeup {
  #pending = false;
  #wake: (() => void) | undefined;

  notify(): void {
    this.#pending = true;
    this.#wake?.();
  }

  /** Resolves on the next notify (or a pending one), or after `ms`. */
  wait(ms: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        // A wait abandoned by a Promise.race may time out later: it must not unregister (or
        // consume the notify of) the wait that replaced it.
        if (this.#wake === done) {
          this.#wake = undefined;
          this.#pending = false;
        }
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }
}
