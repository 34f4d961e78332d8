import type { Database } from '@openkassa/db';
import type { EmulatedSigner } from '@openkassa/emulation';
import { parseMessage, readOperatorAck } from '@openkassa/fiscal';
import { exchangeOnce } from '@openkassa/ofd-net';
import { Wakeup } from '@openkassa/runtime';
import type { KktSchema } from '../store.js';

export interface ExchangeConfig {
  readonly fn: string;
  readonly ofd: { readonly host: string; readonly port: number };
  /** How long to wait for the OFD's answer on one connection. */
  readonly answerTimeoutMs: number;
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
}

export interface ExchangeStatus {
  lastSuccessAt?: string;
  lastAttemptAt?: string;
  lastError?: string;
  consecutiveFailures: number;
  /** Answers that arrived but were not valid for the document offered (wrong ФН/ФД, bad signs). */
  rejectedAnswers: number;
}

type Checked = { ok: true; code: number; answer: Uint8Array } | { ok: false; reason: string };

/**
 * The ККТ↔OFD loop of the ФН: offers the oldest unconfirmed document, one at a time, as the
 * message the ФН built; a document counts as confirmed only after an answer whose container,
 * ФН/ФД numbers and emulated operator signs check out. Retries with backoff, forever.
 */
export class OfdExchange {
  readonly #db: Database<KktSchema>;
  readonly #signer: EmulatedSigner;
  readonly #cfg: ExchangeConfig;
  readonly #now: () => Date;
  readonly #log: { warn(m: string): void };
  #stopped = false;
  /** A new document to offer; the pause after a failed attempt ignores it, as a ФН does. */
  readonly #documents = new Wakeup();
  readonly #stopping = new Wakeup();
  readonly #abort = new AbortController();
  readonly #status: ExchangeStatus = { consecutiveFailures: 0, rejectedAnswers: 0 };

  constructor(deps: {
    db: Database<KktSchema>;
    signer: EmulatedSigner;
    clock: { now(): Date };
    config: ExchangeConfig;
    log: { warn(m: string): void };
  }) {
    this.#db = deps.db;
    this.#signer = deps.signer;
    this.#cfg = deps.config;
    this.#now = () => deps.clock.now();
    this.#log = deps.log;
  }

  status(): ExchangeStatus {
    return { ...this.#status };
  }

  wake(): void {
    this.#documents.notify();
  }

  /** A method, not the field, so the check after an await is not narrowed away. */
  #isStopped(): boolean {
    return this.#stopped;
  }

  stop(): void {
    this.#stopped = true;
    this.#abort.abort();
    this.#documents.notify();
    this.#stopping.notify();
  }

  async run(): Promise<void> {
    let backoff = this.#cfg.retryMinMs;
    while (!this.#stopped) {
      const doc = await this.#db.db
        .selectFrom('fn_documents')
        .select(['fd', 'message'])
        .where('confirmed_at', 'is', null)
        .orderBy('fd')
        .limit(1)
        .executeTakeFirst();
      if (!doc) {
        await this.#documents.wait(60_000);
        continue;
      }
      const at = this.#now().toISOString();
      this.#status.lastAttemptAt = at;
      let outcome: Checked;
      try {
        const frame = await exchangeOnce(
          this.#cfg.ofd,
          new Uint8Array(doc.message),
          this.#cfg.answerTimeoutMs,
          this.#abort.signal,
        );
        outcome = this.#check(frame, doc.fd);
        if (!outcome.ok) {
          this.#status.rejectedAnswers++;
          this.#log.warn(`ФН ${this.#cfg.fn}: answer for ФД ${doc.fd} refused: ${outcome.reason}`);
        }
      } catch (e) {
        outcome = { ok: false, reason: e instanceof Error ? e.message : String(e) };
      }
      if (this.#isStopped()) return;
      if (outcome.ok) {
        await this.#db.db
          .updateTable('fn_documents')
          .set((eb) => ({
            confirmed_at: at,
            answer_code: outcome.code,
            answer: outcome.answer,
            attempts: eb('attempts', '+', 1),
            last_error: null,
          }))
          .where('fd', '=', doc.fd)
          .execute();
        this.#status.lastSuccessAt = at;
        this.#status.consecutiveFailures = 0;
        delete this.#status.lastError;
        backoff = this.#cfg.retryMinMs;
        continue;
      }
      await this.#db.db
        .updateTable('fn_documents')
        .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: outcome.reason }))
        .where('fd', '=', doc.fd)
        .execute();
      this.#status.lastError = outcome.reason;
      this.#status.consecutiveFailures++;
      if (this.#status.consecutiveFailures === 1 || this.#status.consecutiveFailures % 20 === 0) {
        this.#log.warn(`ФН ${this.#cfg.fn}: ФД ${doc.fd} not delivered (${outcome.reason}); retrying`);
      }
      await this.#stopping.wait(backoff);
      backoff = Math.min(backoff * 2, this.#cfg.retryMaxMs);
    }
  }

  #check(frame: Uint8Array, fd: number): Checked {
    const m = parseMessage(frame);
    if (!m.ok) return { ok: false, reason: `bad answer: ${m.error.message}` };
    const c = m.value.container;
    if (!c) return { ok: false, reason: 'answer has no container' };
    if (!c.crcValid) return { ok: false, reason: 'answer container CRC is wrong' };
    if (c.header.dataType !== 7 || c.document?.form !== 7 || !c.documentBytes)
      return { ok: false, reason: 'answer is not an operator confirmation' };
    if (c.header.fnNumber !== this.#cfg.fn || c.header.fdNumber !== fd) {
      return {
        ok: false,
        reason: `answer is for ФН ${c.header.fnNumber} ФД ${c.header.fdNumber}, not ФД ${fd}`,
      };
    }
    const ack = readOperatorAck(c.document);
    if (
      !ack ||
      ack.fnNumber !== this.#cfg.fn ||
      ack.fdNumber !== fd ||
      ack.dateTime === undefined ||
      !ack.fpo
    ) {
      return { ok: false, reason: 'confirmation lacks its ФН, ФД, time or ФПО' };
    }
    if (!this.#signer.verifyOperatorSign(this.#cfg.fn, fd, ack.code, ack.dateTime, ack.fpo))
      return { ok: false, reason: 'operator sign (ФПО) does not check out' };
    if (!this.#signer.verifyTransferSign(this.#cfg.fn, c.documentBytes, c.trailer))
      return { ok: false, reason: 'transfer sign (ФПП) does not check out' };
    return { ok: true, code: ack.code, answer: frame };
  }
}
