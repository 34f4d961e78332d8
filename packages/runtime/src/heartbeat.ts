import { devicesApi } from '@openkassa/contracts';
import type { DeviceCredentials } from './credentials.js';
import { Wakeup } from './wakeup.js';

export interface RemoteCommand {
  readonly id: string;
  /** reloadCatalog, message or requestShiftClose (others are answered as unknown). */
  readonly kind: string;
  readonly payload: Record<string, unknown>;
  /** The device it is for: this one, or (to a store server) a till behind it. */
  readonly deviceId?: string;
}

/**
 * What the device does with a command; the result goes back to the server. `undefined`: the
 * command was passed on (a store server to a till) and its result goes back with a later report.
 */
export type CommandHandler = (c: RemoteCommand) => Promise<{ ok: boolean; result: unknown } | undefined>;

/** What a device reports: its state; a store server also its tills and their command results. */
export interface HeartbeatReport {
  readonly status: Record<string, unknown>;
  readonly devices?: readonly unknown[];
  readonly holding?: readonly string[];
  readonly results?: readonly unknown[];
}

/** Who reports: its id, kind (till, store-server, scales), store, name and version. */
export interface DeviceIdentity {
  readonly id: string;
  readonly kind: string;
  readonly store: string;
  readonly name: string;
  readonly version: string;
}

/**
 * A device's heartbeat to its server (a till to its store server, a store server to its head
 * office): who it is, its version and its state (`report()`: `status`, and for a store server the
 * `devices` behind it); the server answers with the commands waiting for it, which are run and
 * answered. Offline, it simply tries again later. `run()` resolves when stopped.
 */
export class Heartbeat {
  readonly #server: string;
  readonly #identity: DeviceIdentity;
  readonly #report: () => Promise<HeartbeatReport>;
  readonly #handle: CommandHandler;
  readonly #log: { warn(m: string): void };
  readonly #everyMs: number;
  readonly #auth: DeviceCredentials | undefined;
  readonly #wake = new Wakeup();
  #stopped = false;
  #failures = 0;

  constructor(
    server: string,
    identity: DeviceIdentity,
    report: () => Promise<HeartbeatReport>,
    handle: CommandHandler,
    log: { warn(m: string): void },
    everyMs = 30_000,
    auth?: DeviceCredentials,
  ) {
    this.#server = server;
    this.#auth = auth;
    this.#identity = identity;
    this.#report = report;
    this.#handle = handle;
    this.#log = log;
    this.#everyMs = everyMs;
  }

  /** Report now (after an upload, a shift change). */
  kick(): void {
    this.#wake.notify();
  }

  stop(): void {
    this.#stopped = true;
    this.#wake.notify();
  }

  #isStopped(): boolean {
    return this.#stopped; // read after awaits; a plain check would be narrowed away
  }

  async run(): Promise<void> {
    while (!this.#isStopped()) {
      try {
        const res = await fetch(new URL(devicesApi.heartbeat.url, this.#server), {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(await this.#auth?.headers()) },
          body: JSON.stringify({ ...this.#identity, ...(await this.#report()) }),
          signal: AbortSignal.timeout(15_000),
        });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const { commands } = (await res.json()) as { commands: RemoteCommand[] };
        for (const c of commands) {
          let outcome: { ok: boolean; result: unknown } | undefined;
          try {
            outcome = await this.#handle(c);
          } catch (e) {
            outcome = { ok: false, result: e instanceof Error ? e.message : String(e) };
          }
          if (outcome === undefined) continue;
          await fetch(
            new URL(
              `/api/v1/devices/${encodeURIComponent(this.#identity.id)}/commands/${c.id}/result`,
              this.#server,
            ),
            {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...(await this.#auth?.headers()) },
              body: JSON.stringify(outcome),
              signal: AbortSignal.timeout(15_000),
            },
          );
        }
        this.#failures = 0;
      } catch (e) {
        if (this.#failures === 0 || this.#failures % 100 === 0)
          this.#log.warn(`heartbeat to ${this.#server}: ${e instanceof Error ? e.message : String(e)}`);
        this.#failures++;
      }
      await this.#wake.wait(this.#everyMs);
    }
  }
}
