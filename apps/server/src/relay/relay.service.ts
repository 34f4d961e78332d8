import type { Database } from '@openkassa/db';
import type { OfdMessage } from '@openkassa/fiscal';
import type { EarlyConnection } from '@openkassa/ofd-net';
import type { Metrics } from '../metrics.js';
import type { ServerSchema } from '../schema.js';
import type { AnswerHub } from './answers.js';
import type { Forwarder } from './forwarder.js';
import type { RelayWriter } from './relay.writer.js';
import type { StoreOutcome } from './relay.repo.js';

export interface RelayService {
  handle(bytes: Uint8Array, m: OfdMessage): Promise<Uint8Array | undefined>;
}

/**
 * One message from a ККТ (or a downstream relay): stored durably first, keyed by its ФН and
 * ФД, then answered from storage if the OFD already answered it, otherwise forwarded in the
 * background while this connection waits a few seconds for the answer. A plaintext document is
 * written into the central database in a later commit than the one that stored it.
 */
export function relayService(deps: {
  db: Database<ServerSchema>;
  hub: AnswerHub;
  writer: RelayWriter;
  forwarder: Forwarder;
  metrics: Metrics;
  log: { warn(m: string): void };
  answerWaitMs: number;
  clock: { now(): Date };
}): RelayService {
  return {
    async handle(bytes, m) {
      const started = performance.now();
      const c = m.container!;
      const fn = m.header.fnNumber;
      const fd = c.header.fdNumber;
      const now = deps.clock.now();
      // Connect upstream while the message is stored, in the next turn of the event loop: after
      // the group commit has written its batch on SQLite (the handshake then overlaps the disk's
      // sync), during the transaction on PostgreSQL. Nothing is sent before the commit is durable.
      let early: EarlyConnection | undefined;
      let connecting: NodeJS.Immediate | undefined;
      let outcome: StoreOutcome | undefined;
      const claim = deps.forwarder.claimFor(now);
      try {
        const storing = deps.writer.store(
          { fn, fd, form: c.header.dataType, bytes, ...(c.document && { document: c.document }) },
          now.toISOString(),
          claim,
        );
        // queued after the group commit's own start; cancelled below if the store settles first
        connecting = setImmediate(() => (early = deps.forwarder.connectEarly()));
        outcome = await storing;
      } finally {
        clearImmediate(connecting);
        // only a new message is sent; a repeat, or a failed store, leaves the connection unused
        if (outcome?.kind !== 'new') early?.close();
      }
      if (outcome.kind === 'known' && outcome.answer) {
        deps.metrics.messagesIn.inc({ kind: 'answered-before' });
        deps.metrics.answersOut.inc({ source: 'storage' });
        return outcome.answer;
      }
      deps.metrics.messagesIn.inc({ kind: outcome.kind === 'new' ? 'new' : 'repeat' });
      // A new message goes straight to this node's forwarder (it is claimed for it); a repeat
      // of one in flight or waiting for its retry needs nothing.
      if (outcome.kind === 'new') {
        deps.forwarder.enqueue({
          fn,
          fd,
          message: bytes,
          attempts: 0,
          claimedUntil: claim.until,
          ...(early && { early }),
        });
        // The document goes into the central database with the answer's commit (or within
        // 50 ms), while the message is on its way upstream; if that fails, the stored mark has
        // it written later.
        if (c.document) {
          deps.writer
            .parsed({ fn, fd, document: c.document, receivedAt: now.toISOString() })
            .catch((e: unknown) =>
              deps.log.warn(
                `ФН ${fn} ФД ${fd}: document not yet written into the central database (${e instanceof Error ? e.message : String(e)}); retried later`,
              ),
            );
        }
      }
      const answer = await deps.hub.wait(fn, fd, deps.answerWaitMs);
      if (!answer) {
        deps.metrics.noAnswerInTime.inc();
        return undefined;
      }
      deps.metrics.answersOut.inc({ source: 'upstream' });
      deps.metrics.answerLatency.observe((performance.now() - started) / 1000);
      return answer;
    },
  };
}
