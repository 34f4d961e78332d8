import { GroupCommitter, type Database } from '@openkassa/db';
import type { ServerSchema } from '../schema.js';
import {
  recordAnswer,
  recordFailure,
  recordParsed,
  storeIncoming,
  type AnswerRecord,
  type FailureRecord,
  type IncomingMessage,
  type ParsedRecord,
  type StoreOutcome,
} from './relay.repo.js';

type Write =
  | {
      readonly kind: 'store';
      readonly m: IncomingMessage;
      readonly now: string;
      readonly claim: { node: string; until: string };
    }
  | { readonly kind: 'answer'; readonly a: AnswerRecord }
  | { readonly kind: 'failure'; readonly f: FailureRecord }
  | { readonly kind: 'parsed'; readonly p: ParsedRecord };

/**
 * Every write of the relay — incoming messages, answers, failed deliveries, parsed documents —
 * goes through one group-commit queue, so one commit serves all that arrived meanwhile. Each
 * caller is answered only after the commit holding its write; a commit waits for the disk only
 * when it holds an incoming message.
 */
export class RelayWriter {
  readonly #gc: GroupCommitter<ServerSchema, Write, StoreOutcome | undefined>;

  constructor(db: Database<ServerSchema>) {
    this.#gc = new GroupCommitter(
      db,
      async (tx, writes) => {
        const out: (StoreOutcome | undefined)[] = [];
        for (const w of writes) {
          switch (w.kind) {
            case 'store':
              out.push(await storeIncoming(tx, w.m, w.now, w.claim));
              break;
            case 'answer':
              await recordAnswer(tx, w.a);
              out.push(undefined);
              break;
            case 'failure':
              await recordFailure(tx, w.f);
              out.push(undefined);
              break;
            case 'parsed':
              await recordParsed(tx, w.p);
              out.push(undefined);
              break;
          }
        }
        return out;
      },
      {
        // Only a new message must reach the disk before anyone relies on it. An answer, a failed
        // attempt and the parsed document can all be redone from it: after a power loss the
        // message is still unanswered (sent again; the OFD answers the repeat again) or still
        // marked unparsed (parsed again at start).
        durable: (w) => w.kind === 'store',
      },
    );
  }

  async store(
    m: IncomingMessage,
    now: string,
    claim: { node: string; until: string },
  ): Promise<StoreOutcome> {
    const r = await this.#gc.submit({ kind: 'store', m, now, claim });
    if (!r) throw new Error('store returned no outcome');
    return r;
  }

  /**
   * The answer has already been passed on when it is stored, and nobody waits for it: it joins
   * the commit another write starts within 20 ms (at a light load, after the sender has had it).
   */
  async answer(a: AnswerRecord): Promise<void> {
    await this.#gc.submit({ kind: 'answer', a }, { within: 20 });
  }

  async failure(f: FailureRecord): Promise<void> {
    await this.#gc.submit({ kind: 'failure', f });
  }

  /** Commits what is queued, the writes that may wait included (before the database closes). */
  flush(): Promise<void> {
    return this.#gc.flush();
  }

  /**
   * Nobody waits for the parsed document: it joins the commit of the answer that usually comes
   * within milliseconds, or commits on its own after 50 ms (the upstream slow or down).
   */
  async parsed(p: ParsedRecord): Promise<void> {
    await this.#gc.submit({ kind: 'parsed', p }, { within: 50 });
  }
}
