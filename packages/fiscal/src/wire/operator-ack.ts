import {
  bytesOf,
  childrenOf,
  findField,
  numberOf,
  stringOf,
  type FiscalDocument,
} from '../documents/document.js';
import type { Field } from '../tlv/codec.js';

/** OFD answer code (tag 1022 in FFD 1.05 answers). */
export const OfdAnswerCode = { accepted: 0, notRecognised: 11, flkFailed: 14 } as const;

/** Bits of tag 1206 (FFD 1.1/1.2 answers). */
export const OperatorMessageFlag = {
  flkError: 2,
  checkCabinet: 4,
  updateFfd: 8,
  taxInspection: 16,
  changeSettings: 32,
  ofdStops: 64,
} as const;

export interface OperatorAckInput {
  readonly ffd: '1.05' | '1.2';
  readonly ofdInn: string;
  readonly fnNumber: string;
  readonly fdNumber: number;
  /** Fiscal local time the operator accepted the document. */
  readonly dateTime: number;
  /** 0 accepted, 14 ФЛК failed, … (1.05); in 1.2 a non-zero code sets the ФЛК flag of 1206. */
  readonly code: number;
  /** Extra 1206 flags (1.2 only). */
  readonly operatorFlags?: number;
  /** ФПО, the operator's fiscal sign (18 bytes in known implementations). */
  readonly fpo: Uint8Array;
  /** Optional text for the ФН (FFD 1.05, inside 1068). */
  readonly message?: string;
}

export function padInn(inn: string): string {
  return inn.length >= 12 ? inn : inn.padEnd(12, ' ');
}

/** The confirmation document (form 7) an operator returns for one ФД. */
export function buildOperatorAck(a: OperatorAckInput): FiscalDocument {
  const fields: Field[] = [
    { tag: 1017, value: padInn(a.ofdInn) },
    { tag: 1041, value: a.fnNumber },
    { tag: 1040, value: a.fdNumber },
    { tag: 1012, value: a.dateTime },
  ];
  if (a.ffd === '1.05') {
    const msg: Field[] = [{ tag: 1022, value: a.code }];
    if (a.message !== undefined) msg.push({ tag: 1000, value: a.message });
    fields.push({ tag: 1068, value: msg });
  } else {
    const flags = (a.operatorFlags ?? 0) | (a.code !== 0 ? OperatorMessageFlag.flkError : 0);
    if (flags !== 0) fields.push({ tag: 1206, value: flags });
  }
  fields.push({ tag: 1078, value: a.fpo });
  return { form: 7, fields };
}

export interface OperatorAck {
  readonly ofdInn?: string;
  readonly fnNumber?: string;
  readonly fdNumber?: number;
  readonly dateTime?: number;
  /** 1022 when present; in 1.2 answers derived from 1206 (14 when the ФЛК flag is set, else 0). */
  readonly code: number;
  readonly operatorFlags?: number;
  readonly fpo?: Uint8Array;
}

export function readOperatorAck(doc: FiscalDocument): OperatorAck | undefined {
  if (doc.form !== 7) return undefined;
  const f = doc.fields;
  const msg = childrenOf(findField(f, 1068));
  const code1022 = msg ? numberOf(msg, 1022) : undefined;
  const flags = numberOf(f, 1206);
  const code =
    code1022 ??
    (flags !== undefined && (flags & OperatorMessageFlag.flkError) !== 0 ? OfdAnswerCode.flkFailed : 0);
  const ofdInn = stringOf(f, 1017);
  const fnNumber = stringOf(f, 1041);
  const fdNumber = numberOf(f, 1040);
  const dateTime = numberOf(f, 1012);
  const fpo = bytesOf(f, 1078);
  return {
    code,
    ...(ofdInn !== undefined && { ofdInn }),
    ...(fnNumber !== undefined && { fnNumber }),
    ...(fdNumber !== undefined && { fdNumber }),
    ...(dateTime !== undefined && { dateTime }),
    ...(flags !== undefined && { operatorFlags: flags }),
    ...(fpo !== undefined && { fpo }),
  };
}
