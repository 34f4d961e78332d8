import { open, type FileHandle } from 'node:fs/promises';

/**
 * Makes SQLite commits durable outside the event loop. A commit made with `synchronous = NORMAL`
 * in WAL mode has written its pages into the write-ahead log without waiting for the disk;
 * an fdatasync of the log, run here in Node's thread pool, then takes it to the disk together
 * with every commit written before it (the log only grows between checkpoints, and a checkpoint
 * syncs the log before copying it). One sync serves every caller waiting when it starts; a
 * caller arriving while one runs waits for the next, since the running one may have started
 * before its commit was written.
 *
 * SQLite keeps a database's log file while a connection to it is open, so the handle opened on
 * first use stays valid until `close()`.
 */
export class WalSync {
  readonly #files: readonly string[];
  readonly #handles = new Map<string, FileHandle>();
  #running: Promise<void> | undefined;
  #queued: Promise<void> | undefined;
  #closed = false;
  #rounds = 0;

  /** @param databases the database files whose logs (`<file>-wal`) are synced */
  constructor(databases: readonly string[]) {
    this.#files = databases.map((f) => `${f}-wal`);
  }

  /** Resolves once every commit written before this call is on disk. */
  sync(): Promise<void> {
    if (!this.#running) {
      this.#running = this.#syncAll().finally(() => {
        this.#running = undefined;
      });
      return this.#running;
    }
    this.#queued ??= this.#running
      .catch(() => undefined)
      .then(() => {
        this.#queued = undefined;
        return this.sync();
      });
    return this.#queued;
  }

  /** How many syncs have run (each serving every caller that waited for it). */
  get rounds(): number {
    return this.#rounds;
  }

  async #syncAll(): Promise<void> {
    if (this.#closed) throw new Error('the database is closed');
    this.#rounds++;
    await Promise.all(
      this.#files.map(async (file) => {
        const h = await this.#handle(file);
        // no log yet: nothing has been committed to that database through it
        if (h) await h.datasync();
      }),
    );
  }

  async #handle(file: string): Promise<FileHandle | undefined> {
    const known = this.#handles.get(file);
    if (known) return known;
    try {
      // one sync runs at a time, so no other call is opening this file meanwhile
      const h = await open(file, 'r+');
      this.#handles.set(file, h);
      return h;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([this.#running, this.#queued]);
    await Promise.all([...this.#handles.values()].map((h) => h.close()));
    this.#handles.clear();
  }
}
