/**
 * The ККТ through the ATOL Web Server JSON-task API (the ККТ emulator now, a real ATOL Web
 * Server later). A request is identified by the uuid the till chose, so its outcome can always
 * be asked for again after a crash or a lost answer.
 */

export interface TaskResult {
  /** ready, error, interrupted (final) or wait, inProgress, blocked. */
  readonly status: string;
  readonly result?: Record<string, unknown>;
  readonly errorCode?: number;
  readonly errorDescription?: string;
}

/** The request never reached the ККТ, or its answer did not reach us: outcome unknown. */
export class KktUnreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KktUnreachable';
  }
}

export type RequestOutcome =
  | { readonly kind: 'done'; readonly results: readonly TaskResult[] }
  /** A task failed: nothing after it ran; the failed task changed nothing fiscal. */
  | { readonly kind: 'failed'; readonly results: readonly TaskResult[]; readonly message: string }
  | { readonly kind: 'unknown-request' };

const FINAL = new Set(['ready', 'error', 'interrupted']);

export class AtolClient {
  readonly #base: string;
  readonly #timeoutMs: number;

  constructor(baseUrl: string, opts: { timeoutMs?: number } = {}) {
    this.#base = baseUrl.replace(/\/$/, '');
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
  }

  async #fetch(path: string, init?: RequestInit): Promise<Response> {
    try {
      return await fetch(`${this.#base}${path}`, { ...init, signal: AbortSignal.timeout(5000) });
    } catch (e) {
      throw new KktUnreachable(
        `ККТ at ${this.#base} does not answer (${e instanceof Error ? e.message : String(e)})`,
      );
    }
  }

  /**
   * Submits the request. `exists`: the ККТ already has a request under this uuid (an earlier
   * submit arrived), which it will not run again.
   */
  async submit(uuid: string, tasks: readonly unknown[]): Promise<'created' | 'exists'> {
    const res = await this.#fetch('/api/v2/requests', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uuid, request: tasks }),
    });
    if (res.status === 201) return 'created';
    if (res.status === 409) return 'exists';
    throw new Error(`ККТ refused the request: HTTP ${res.status} ${await res.text()}`);
  }

  /** The request's state at the ККТ now. */
  async outcome(uuid: string): Promise<RequestOutcome | { kind: 'running' }> {
    const res = await this.#fetch(`/api/v2/requests/${encodeURIComponent(uuid)}`);
    if (res.status === 404) return { kind: 'unknown-request' };
    if (!res.ok) throw new KktUnreachable(`ККТ answered HTTP ${res.status}`);
    const body = (await res.json()) as { results?: TaskResult[] };
    const results = body.results ?? [];
    if (results.length === 0 || !results.every((r) => FINAL.has(r.status))) return { kind: 'running' };
    const bad = results.find((r) => r.status === 'error');
    if (bad)
      return {
        kind: 'failed',
        results,
        message: `${bad.errorDescription ?? 'ошибка ККТ'} (код ${String(bad.errorCode ?? '?')})`,
      };
    return { kind: 'done', results };
  }

  /** Waits for the request to finish at the ККТ. */
  async wait(uuid: string): Promise<RequestOutcome> {
    const until = Date.now() + this.#timeoutMs;
    for (let pause = 5; ; pause = Math.min(pause * 2, 200)) {
      const o = await this.outcome(uuid);
      if (o.kind !== 'running') return o;
      if (Date.now() > until) throw new KktUnreachable(`ККТ has not finished request ${uuid} in time`);
      await new Promise((r) => setTimeout(r, pause));
    }
  }

  /** Submit and wait: the usual path. */
  async run(uuid: string, tasks: readonly unknown[]): Promise<RequestOutcome> {
    await this.submit(uuid, tasks);
    return this.wait(uuid);
  }
}
