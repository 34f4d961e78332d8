import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  buildMessage,
  buildReceipt,
  encodeDocument,
  encodeFields,
  lineAmount,
  type FiscalDocument,
  type ReceiptLine,
} from '@openkassa/fiscal';

/**
 * Emulated fiscal signs. A real ФН and a real OFD sign with certified crypto and keys nobody
 * else has; the emulators instead use HMAC-SHA256 with a key derived per ФН from one emulator
 * key, so an emulated ККТ can check its emulated OFD's answers. Every emulated sign carries a
 * visible marker so it can never pass for a real one:
 * - ФПД (1077, 6 bytes): E0 E0 + 4 bytes of HMAC (the printed ФП is those 4 bytes);
 * - ФПС (message trailer, 10 bytes): 81 06 + 6 bytes of HMAC + E0 E0 (real ones end 00 00);
 * - ФПО (1078, 18 bytes): "EMUL" + 14 bytes of HMAC;
 * - ФПП (after the answer TLV, 8 bytes): HMAC.
 */
export const DEFAULT_EMULATOR_KEY = 'openkassa-emulator-key';
export const EMULATED_MARK = Uint8Array.of(0xe0, 0xe0);
const FPO_MARK = new TextEncoder().encode('EMUL');

export class EmulatedSigner {
  readonly #master: Buffer;

  constructor(emulatorKey: string = DEFAULT_EMULATOR_KEY) {
    this.#master = Buffer.from(emulatorKey, 'utf8');
  }

  #key(fn: string): Buffer {
    return createHmac('sha256', this.#master).update(`fn:${fn}`).digest();
  }

  #mac(fn: string, label: string, ...parts: (Uint8Array | string | number)[]): Buffer {
    const h = createHmac('sha256', this.#key(fn)).update(label);
    for (const p of parts) h.update(typeof p === 'number' ? String(p) : p).update('|');
    return h.digest();
  }

  /** ФПД of a document: over its TLV bytes without the 1077 tag. */
  documentSign(fn: string, unsignedDocument: Uint8Array): Uint8Array {
    return Buffer.concat([EMULATED_MARK, this.#mac(fn, 'fpd', unsignedDocument).subarray(0, 4)]);
  }

  /** ФПС trailer of a message: over the container header fields and the document. */
  messageTrailer(fn: string, fd: number, document: Uint8Array): Uint8Array {
    return Buffer.concat([
      Uint8Array.of(0x81, 0x06),
      this.#mac(fn, 'fps', fd, document).subarray(0, 6),
      EMULATED_MARK,
    ]);
  }

  /** ФПО for the operator's answer to (ФН, ФД) with an answer code at a time. */
  operatorSign(fn: string, fd: number, code: number, dateTime: number): Uint8Array {
    return Buffer.concat([FPO_MARK, this.#mac(fn, 'fpo', fd, code, dateTime).subarray(0, 14)]);
  }

  /** ФПП appended after the answer TLV: over the answer document bytes. */
  transferSign(fn: string, answerDocument: Uint8Array): Uint8Array {
    return this.#mac(fn, 'fpp', answerDocument).subarray(0, 8);
  }

  verifyOperatorSign(fn: string, fd: number, code: number, dateTime: number, sign: Uint8Array): boolean {
    return safeEqual(this.operatorSign(fn, fd, code, dateTime), sign);
  }

  verifyTransferSign(fn: string, answerDocument: Uint8Array, sign: Uint8Array): boolean {
    return safeEqual(this.transferSign(fn, answerDocument), sign);
  }
}

function safeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function isEmulatedDocumentSign(sign: Uint8Array): boolean {
  return sign.length === 6 && sign[0] === EMULATED_MARK[0] && sign[1] === EMULATED_MARK[1];
}

let shared: EmulatedSigner | undefined;
const defaultSigner = () => (shared ??= new EmulatedSigner());

/** The two lines of an emulated receipt: coffee by the piece and cheese by weight. */
const EMULATED_LINES: readonly ReceiptLine[] = [
  { name: 'Кофе', price: 15000, quantity: { mantissa: 2n, scale: 0 }, vatRate: 11, measure: 0 },
  { name: 'Сыр весовой', price: 89900, quantity: { mantissa: 345n, scale: 3 }, vatRate: 2, measure: 11 },
];

/**
 * The receipt an emulated ФН `fn` makes for its ФД `fd` (FFD 1.2, paid by card), unsigned: two
 * lines, or `lines`.
 */
export function emulatedReceipt(
  fn: string,
  fd: number,
  lines: readonly ReceiptLine[] = EMULATED_LINES,
): FiscalDocument {
  const r = buildReceipt({
    ffd: '1.2',
    operationType: 1,
    taxation: 1,
    user: 'ООО "Нагрузка"',
    userInn: '7700000000',
    kktRegId: fn.slice(-10).padStart(16, '0'),
    address: 'г. Москва, ул. Тестовая, 1',
    place: 'Магазин',
    cashier: 'Кассир',
    fnNumber: fn,
    fdNumber: fd,
    shiftNumber: 1,
    receiptNumber: fd,
    dateTime: 1795000000 + fd,
    fiscalSign: new Uint8Array(6),
    lines,
    payments: { card: lines.reduce((sum, l) => sum + lineAmount(l.price, l.quantity), 0) },
  });
  if (!r.ok) throw new Error(`emulated receipt ФН ${fn} ФД ${fd}: ${r.error}`);
  return r.value;
}

/**
 * The message an emulated ФН `fn` sends for its ФД `fd`: a two-line FFD 1.2 receipt, signed as
 * the emulators sign. For load and relay tests that need many ФН without running a ККТ each.
 */
export function emulatedReceiptMessage(fn: string, fd: number, signer = defaultSigner()): Uint8Array {
  const receipt = emulatedReceipt(fn, fd);
  const fields = receipt.fields.filter((f) => f.tag !== 1077);
  const unsigned = encodeFields(fields);
  if (!unsigned.ok) throw new Error(unsigned.error.message);
  const doc = encodeDocument({
    form: 3,
    fields: [...fields, { tag: 1077, value: signer.documentSign(fn, unsigned.value) }],
  });
  if (!doc.ok) throw new Error(doc.error.message);
  const m = buildMessage({
    pVersion: 0x0120,
    fnNumber: fn,
    fdNumber: fd,
    dataType: 3,
    document: doc.value,
    trailer: signer.messageTrailer(fn, fd, doc.value),
  });
  if (!m.ok) throw new Error(m.error.message);
  return m.value;
}
