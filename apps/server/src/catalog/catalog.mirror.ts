import type { CatalogPage } from '@openkassa/contracts';
import { Wakeup } from '@openkassa/runtime';
import type { CatalogService } from './catalog.service.js';

/**
 * A store server's copy of its head office's catalogue: pulls the change feed from its own
 * head version on, long-polling, so changes flow on within moments and a store that was cut
 * off for weeks catches up from where it stopped. `run()` resolves when stopped.
 */
export class CatalogMirror {
  readonly #upstream: string;
  readonly #catalog: CatalogService;
  readonly #log: { warn(m: string): void };
  readonly #stopping = new Wakeup();
  #abort = new AbortController();
  #stopped = false;
  #failures = 0;

  constructor(upstream: string, catalog: CatalogService, log: { warn(m: string): void }) {
    this.#upstream = upstream;
    this.#catalog = catalog;
    this.#log = log;
  }

  stop(): void {
    this.#stopped = true;
    this.#abort.abort();
    this.#stopping.notify();
  }

  #isStopped(): boolean {
    return this.#stopped; // read after awaits; a plain check would be narrowed away
  }

  async run(): Promise<void> {
    while (!this.#stopped) {
      try {
        const since = await this.#catalog.head();
        const url = new URL('/api/v1/catalog/changes', this.#upstream);
        url.search = new URLSearchParams({ since: String(since), limit: '5000', wait: '25' }).toString();
        this.#abort = new AbortController();
        const res = await fetch(url, {
          signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(40_000)]),
        });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const page = (await res.json()) as CatalogPage;
        if (page.cursor > since || page.changes.length > 0) await this.#catalog.mirror(page);
        this.#failures = 0;
      } catch (e) {
        if (this.#isStopped()) break;
        if (this.#failures === 0 || this.#failures % 50 === 0)
          this.#log.warn(
            `catalogue from ${this.#upstream}: ${e instanceof Error ? e.message : String(e)}; retrying`,
          );
        this.#failures++;
        await this.#stopping.wait(Math.min(500 * 2 ** Math.min(this.#failures, 6), 30_000));
      }
    }
  }
}
