import type { Database } from '@openkassa/db';
import type { OfdMessage } from '@openkassa/fiscal';
import type { Metrics } from '../metrics.js';
import type { ServerSchema } from '../schema.js';
import type { AnswerHub } from './answers.js';
import type { Forwarder } from './forwarder.js';
import { GroupCommitter } from '@openkassa/db';
import { storeIncoming, type IncomingMessage, type StoreOutcome } from './relay.repo.js';

export interface RelayService {
  handle(bytes: Uint8Array, m: OfdMessage): Promise<Uint8Array | undefined>;
}

/**
 * One message from a ККТ (or a downstream relay): stored durably first, keyed by its ФН and
 * ФД, then answered from storage if the OFD already answered it, otherwise forwarded in the
 * background while this connection waits a few seconds for the answer.
 */
export function relayService(deps: {
  db: Database<ServerSchema>;
  hub: AnswerHub;
  forwarder: Forwarder;
  metrics: Metrics;
  answerWaitMs: number;
  clock: { now(): Date };
}): RelayService {
  // Concurrent messages share one durable commit; each is acknowledged only after it.
  const store = new GroupCommitter<ServerSchema, IncomingMessage & { now: string }, StoreOutcome>(
    deps.db,
    async (tx, items) => {
      const out: StoreOutcome[] = [];
      for (const m of items)
        out.push(await storeIncoming(tx, m, m.now, deps.forwarder.claimFor(new Date(m.now))));
      return out;
    },
  );
  return {
    async handle(bytes, m) {
      const started = performance.now();
      const c = m.container!;
      const fn = m.header.fnNumber;
      const fd = c.header.fdNumber;
      const outcome = await store.submit({
        fn,
        fd,
        form: c.header.dataType,
        bytes,
        ...(c.document && { document: c.document }),
        now: deps.clock.now().toISOString(),
      });
      if (outcome.kind === 'known' && outcome.answer) {
        deps.metrics.messagesIn.inc({ kind: 'answered-before' });
        deps.metrics.answersOut.inc({ source: 'storage' });
        return outcome.answer;
      }
      deps.metrics.messagesIn.inc({ kind: outcome.kind === 'new' ? 'new' : 'repeat' });
      // A new message goes straight to this node's forwarder (it is claimed for it); a repeat
      // of one in flight or waiting for its retry needs nothing.
      if (outcome.kind === 'new') deps.forwarder.enqueue({ fn, fd, message: bytes, attempts: 0 });
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
