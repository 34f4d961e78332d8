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
 * Only the main database's log is synced: a transaction that writes a companion database
 * commits with `sync: 'commit'` (see `TransactionOptions.sync`).
 *
 * SQLite keeps a database's log file while a connection to it is open, so the handle opened on
 * first use stays valid until `close()`.
 */
export class WalSync {
  readonly #file: string;
  #handle: FileHandle | undefined;
  #running: Promise<void> | undefined;
  #queued: Promise<void> | undefined;
  #closed = false;
  #rounds = 0;

  /** @param database the database file whose log (`<file>-wal`) is synced */
  constructor(database: string) {
    this.#file = `${database}-wal`;
  }

  /** Resolves once every commit written before this call is on disk. */
  sync(): Promise<void> {
    if (!this.#running) {
      this.#running = this.#syncOnce().finally(() => {
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

  async #syncOnce(): Promise<void> {
    if (this.#closed) throw new Error('the database is closed');
    this.#rounds++;
    const h = await this.#open();
    // no log yet: nothing has been committed through it
    if (h) await h.datasync();
  }

  async #open(): Promise<FileHandle | undefined> {
    if (this.#handle) return this.#handle;
    try {
      // one sync runs at a time, so no other call is opening the file meanwhile
      this.#handle = await open(this.#file, 'r+');
      return this.#handle;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([this.#running, this.#queued]);
    await this.#handle?.close();
    this.#handle = undefined;
  }
}
