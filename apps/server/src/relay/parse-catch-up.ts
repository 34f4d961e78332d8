import type { Database } from '@openkassa/db';
import { parseMessage } from '@openkassa/fiscal';
import { Wakeup } from '@openkassa/runtime';
import type { ServerSchema } from '../schema.js';
import { unparsedMessages } from './relay.repo.js';
import type { RelayWriter } from './relay.writer.js';

/**
 * The relay writes a new plaintext document into the central database in a later commit than the
 * one that stored the message (usually its answer's), so the message can go upstream first. This
 * worker finishes what that leaves undone: at start, the documents a killed process had queued;
 * then every `everyMs`, any whose commit failed. `run()` resolves when stopped.
 */
export class ParseCatchUp {
  readonly #db: Database<ServerSchema>;
  readonly #writer: RelayWriter;
  readonly #log: { info(m: string): void; warn(m: string): void };
  readonly #everyMs: number;
  readonly #stopping = new Wakeup();
  #stopped = false;

  constructor(deps: {
    db: Database<ServerSchema>;
    writer: RelayWriter;
    log: { info(m: string): void; warn(m: string): void };
    everyMs?: number;
  }) {
    this.#db = deps.db;
    this.#writer = deps.writer;
    this.#log = deps.log;
    this.#everyMs = deps.everyMs ?? 60_000;
  }

  async run(): Promise<void> {
    while (!this.#stopped) {
      try {
        const n = await this.once();
        if (n > 0) this.#log.info(`fiscal documents written into the central database after a restart: ${n}`);
      } catch (e) {
        this.#log.warn(`parsing stored documents: ${e instanceof Error ? e.message : String(e)}; retrying`);
      }
      await this.#stopping.wait(this.#everyMs);
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#stopping.notify();
  }

  /** One pass over the marked messages, a page at a time; how many it wrote. */
  async once(): Promise<number> {
    let written = 0;
    let after: { fn: string; fd: number } | undefined;
    while (!this.#stopped) {
      const page = await unparsedMessages(this.#db, 500, after);
      if (page.length === 0) break;
      after = page.at(-1)!;
      await Promise.all(
        page.map(async (r) => {
          const m = parseMessage(r.message);
          const document = m.ok ? m.value.container?.document : undefined;
          if (!document) {
            // stored only after the same check passed: these bytes cannot fail it
            this.#log.warn(`ФН ${r.fn} ФД ${r.fd}: stored message no longer parses; left unparsed`);
            return;
          }
          await this.#writer.parsed({ fn: r.fn, fd: r.fd, document, receivedAt: r.receivedAt });
          written++;
        }),
      );
    }
    return written;
  }
}
