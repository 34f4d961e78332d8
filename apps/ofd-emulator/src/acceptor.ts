import type { Database } from '@openkassa/db';
import type { EmulatedSigner } from '@openkassa/emulation';
import {
  buildContainer,
  buildOperatorAck,
  buildSessionMessage,
  checkDocument,
  encodeDocument,
  fiscalTimeAt,
  numberOf,
  OfdAnswerCode,
  parseMessage,
  relayRefusal,
  toFnsJson,
  type FiscalDocument,
} from '@openkassa/fiscal';
import { recordReceived, type OfdSchema } from './store.js';

export interface AcceptorDeps {
  readonly db: Database<OfdSchema>;
  readonly signer: EmulatedSigner;
  readonly clock: { now(): Date };
  /** ИНН of the emulated operator (tag 1017). */
  readonly inn: string;
  /** Offset of the operator's fiscal time from UTC, minutes. */
  readonly tzOffsetMinutes: number;
  readonly log: { warn(msg: string): void };
}

export type AcceptOutcome =
  | {
      readonly kind: 'answer';
      readonly answer: Uint8Array;
      readonly fn: string;
      readonly fd: number;
      readonly code: number;
    }
  | { readonly kind: 'no-answer'; readonly reason: string };

/**
 * Handles one message as an OFD would: parse, ФЛК, store once per (ФН, ФД) — durably, before
 * answering — and build the signed confirmation. `forceCode` makes every answer a ФЛК error.
 */
export async function acceptMessage(
  deps: AcceptorDeps,
  bytes: Uint8Array,
  opts: { forceCode?: number; store?: boolean } = {},
): Promise<AcceptOutcome> {
  const m = parseMessage(bytes);
  if (!m.ok) return { kind: 'no-answer', reason: `unreadable message: ${m.error.message}` };
  // the relay's own rule: what no real ФН would send is not accepted (nor stored) here either
  const no = relayRefusal(m.value);
  if (no) return { kind: 'no-answer', reason: no.reason };
  const c = m.value.container!;
  const fn = m.value.header.fnNumber;
  const doc: FiscalDocument | undefined = c.document;
  const fd = c.header.fdNumber;
  const flk = doc ? checkDocument(doc) : undefined;
  const code =
    opts.forceCode ??
    (doc === undefined
      ? OfdAnswerCode.notRecognised
      : flk?.ok
        ? OfdAnswerCode.accepted
        : OfdAnswerCode.flkFailed);
  if (opts.store !== false) {
    await recordReceived(
      deps.db,
      {
        fn,
        fd,
        form: c.header.dataType,
        ffd: flk?.ffd ?? null,
        total: doc ? (numberOf(doc.fields, 1020) ?? null) : null,
        flkOk: flk?.ok ?? false,
        flkJson: JSON.stringify(
          flk ? { violations: flk.violations, warnings: flk.warnings } : { violations: [], warnings: [] },
        ),
        fnsJson: doc ? JSON.stringify(toFnsJson(doc)) : null,
        message: bytes,
        answerCode: code,
      },
      deps.clock.now().toISOString(),
    );
  }
  const dateTime = fiscalTimeAt(deps.clock.now(), deps.tzOffsetMinutes);
  const ack = buildOperatorAck({
    ffd: flk?.ffd === '1.2' ? '1.2' : '1.05',
    ofdInn: deps.inn,
    fnNumber: fn,
    fdNumber: fd,
    dateTime,
    code,
    fpo: deps.signer.operatorSign(fn, fd, code, dateTime),
  });
  const ackBytes = encodeDocument(ack);
  if (!ackBytes.ok) return { kind: 'no-answer', reason: `cannot encode answer: ${ackBytes.error.message}` };
  // A genuine answer repeats the ФН, ФД and the start of service data 2 of the request.
  const container = buildContainer({
    dataType: 7,
    fnNumber: c.header.fnNumber,
    fdNumber: fd,
    document: ackBytes.value,
    trailer: deps.signer.transferSign(fn, ackBytes.value),
    serviceData1: c.header.serviceData1,
    serviceData2Prefix: c.header.serviceData2.subarray(0, 10),
  });
  if (!container.ok) return { kind: 'no-answer', reason: container.error.message };
  const answer = buildSessionMessage({ pVersion: m.value.header.pVersion, fnNumber: fn }, container.value);
  if (!answer.ok) return { kind: 'no-answer', reason: answer.error.message };
  return { kind: 'answer', answer: answer.value, fn, fd, code };
}
