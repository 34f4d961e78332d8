import { authApi } from '@openkassa/contracts';
/**
 * A device's credentials at its cash server (a till at its store server, a store server at its
 * head office): the token it got by enrolling, kept by the device; until it has one, each
 * request first tries to enroll with the one-time code the installer gave it. Without a token
 * the device goes on working offline (tills keep selling) and its requests are retried.
 */
export interface CredentialStore {
  load(): Promise<string | undefined>;
  save(token: string): Promise<void>;
}

export class DeviceCredentials {
  readonly #server: string;
  readonly #device: { id: string; name: string };
  readonly #store: CredentialStore;
  readonly #code: string | undefined;
  readonly #log: { info?(m: string): void; warn(m: string): void };
  #token: string | undefined;
  #loaded = false;
  #enrolling: Promise<string | undefined> | undefined;
  #lastTry = 0;

  constructor(o: {
    server: string;
    device: { id: string; name: string };
    store: CredentialStore;
    /** The one-time enrollment code, if the device has not enrolled yet. */
    code?: string | undefined;
    log: { info?(m: string): void; warn(m: string): void };
  }) {
    this.#server = o.server;
    this.#device = o.device;
    this.#store = o.store;
    this.#code = o.code;
    this.#log = o.log;
  }

  /** The Authorization header to send (none while not enrolled). */
  async headers(): Promise<Record<string, string>> {
    const t = await this.token();
    return t ? { authorization: `Bearer ${t}` } : {};
  }

  /** The token the device keeps, without trying to enroll. */
  async stored(): Promise<string | undefined> {
    if (!this.#loaded) {
      this.#token = await this.#store.load();
      this.#loaded = true;
    }
    return this.#token;
  }

  /** The token, enrolling first with the code if there is none yet. */
  async token(): Promise<string | undefined> {
    if ((await this.stored()) || !this.#code) return this.#token;
    // One enrollment at a time: a request made while it runs waits for its token. A new try
    // after a failed one comes no sooner than a few seconds later.
    if (this.#enrolling) return this.#enrolling;
    if (Date.now() - this.#lastTry < 5000) return undefined;
    this.#enrolling = this.#enroll(this.#code).finally(() => (this.#enrolling = undefined));
    return this.#enrolling;
  }

  /** Takes a new secret from the server (the old one works until the new one is used). */
  async rotate(): Promise<void> {
    const res = await fetch(new URL('/api/v1/devices/credentials/rotate', this.#server), {
      method: 'POST',
      headers: await this.headers(),
      signal: AbortSignal.timeout(15_000),
    });
    if (!res.ok) throw new Error(`rotate: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    const { token } = (await res.json()) as { token: string };
    await this.#store.save(token);
    this.#token = token;
  }

  async #enroll(code: string): Promise<string | undefined> {
    this.#lastTry = Date.now();
    try {
      const res = await fetch(new URL(authApi.enroll.url, this.#server), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code, deviceId: this.#device.id, name: this.#device.name }),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      if (!res.ok) {
        this.#log.warn(
          `enrollment at ${this.#server} as ${this.#device.id} refused: HTTP ${res.status} ${text.slice(0, 200)}`,
        );
        return undefined;
      }
      const { token, store } = JSON.parse(text) as { token: string; store: string };
      await this.#store.save(token);
      this.#token = token;
      this.#log.info?.(`enrolled at ${this.#server} as ${this.#device.id} for store ${store}`);
      return token;
    } catch (e) {
      this.#log.warn(
        `enrollment at ${this.#server}: ${e instanceof Error ? e.message : String(e)}; will retry`,
      );
      return undefined;
    }
  }
}
