import type { Database } from '@openkassa/db';
import type { OfdMessage } from '@openkassa/fiscal';
import type { Metrics } from '../metrics.js';
import type { ServerSchema } from '../schema.js';
import type { AnswerHub } from './answers.js';
import type { Forwarder } from './forwarder.js';
import { storedAnswer, storeIncoming } from './relay.repo.js';

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
  return {
    async handle(bytes, m) {
      const started = performance.now();
      const c = m.container!;
      const fn = m.header.fnNumber;
      const fd = c.header.fdNumber;
      const outcome = await deps.db.transaction((tx) =>
        storeIncoming(
          tx,
          { fn, fd, form: c.header.dataType, bytes, ...(c.document && { document: c.document }) },
          deps.clock.now().toISOString(),
        ),
      );
      if (outcome.kind === 'known' && outcome.answer) {
        deps.metrics.messagesIn.inc({ kind: 'answered-before' });
        deps.metrics.answersOut.inc({ source: 'storage' });
        return outcome.answer;
      }
      deps.metrics.messagesIn.inc({ kind: outcome.kind === 'new' ? 'new' : 'repeat' });
      deps.forwarder.kick();
      const answer = await deps.hub.wait(fn, fd, deps.answerWaitMs, () => storedAnswer(deps.db, fn, fd));
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
