import type { Decimal } from '../money/quantity.js';
import {
  childrenOf,
  decimalOf,
  documentFfdVersion,
  findAll,
  findField,
  numberOf,
  printedFiscalSign,
  stringOf,
  type FiscalDocument,
} from './document.js';
import type { FfdVersion } from '../tags/dictionary.js';
import type { Field } from '../tlv/codec.js';

/**
 * Typed views of the document forms, for the code that stores and reports on them (the relay's
 * central database, the emulators, the back office). Views read; the field list stays the
 * source of truth for bytes.
 */

/** What every fiscal document carries. */
export interface DocumentHeader {
  readonly form: number;
  readonly ffd: FfdVersion | undefined;
  readonly fnNumber?: string;
  readonly fdNumber?: number;
  /** Fiscal local time (tag 1012). */
  readonly dateTime?: number;
  /** Printed ФП (10 digits) from the ФПД. */
  readonly fiscalSign?: number;
  readonly kktRegId?: string;
  readonly userInn?: string;
  readonly cashier?: string;
}

export function documentHeader(doc: FiscalDocument): DocumentHeader {
  const f = doc.fields;
  return compact<DocumentHeader>({
    form: doc.form,
    ffd: documentFfdVersion(doc),
    fnNumber: stringOf(f, 1041),
    fdNumber: numberOf(f, 1040),
    dateTime: numberOf(f, 1012),
    fiscalSign: printedFiscalSign(doc),
    kktRegId: stringOf(f, 1037)?.trimEnd(),
    userInn: stringOf(f, 1018)?.trimEnd(),
    cashier: stringOf(f, 1021),
  });
}

export interface ReceiptItemView {
  readonly name?: string;
  readonly price?: number;
  readonly quantity?: Decimal;
  readonly sum?: number;
  readonly vatRate?: number;
  readonly vatSum?: number;
  readonly paymentMethod?: number;
  readonly productType?: number;
  /** Tag 2108 (FFD 1.2). */
  readonly measure?: number;
  /** Marking code as sent in 1163/1305 (FFD 1.2) — kept raw for returns. */
  readonly markingCode?: string;
}

export interface ReceiptView extends DocumentHeader {
  readonly correction: boolean;
  readonly shiftNumber?: number;
  readonly receiptNumber?: number;
  /** 1 приход, 2 возврат прихода, 3 расход, 4 возврат расхода. */
  readonly operationType?: number;
  readonly taxation?: number;
  readonly total?: number;
  readonly payments: {
    readonly cash: number;
    readonly card: number;
    readonly prepaid: number;
    readonly credit: number;
    readonly provision: number;
  };
  /** Receipt-level VAT tags present (1102…1107), by tag. */
  readonly vat: Readonly<Record<number, number>>;
  readonly items: readonly ReceiptItemView[];
  readonly address?: string;
  readonly place?: string;
  readonly buyerContact?: string;
}

const RECEIPT_FORMS = new Set([3, 4, 31, 41]);

export function receiptView(doc: FiscalDocument): ReceiptView | undefined {
  if (!RECEIPT_FORMS.has(doc.form)) return undefined;
  const f = doc.fields;
  const vat: Record<number, number> = {};
  for (const tag of [1102, 1103, 1104, 1105, 1106, 1107]) {
    const v = numberOf(f, tag);
    if (v !== undefined) vat[tag] = v;
  }
  return compact<ReceiptView>({
    ...documentHeader(doc),
    correction: doc.form === 31 || doc.form === 41,
    shiftNumber: numberOf(f, 1038),
    receiptNumber: numberOf(f, 1042),
    operationType: numberOf(f, 1054),
    taxation: numberOf(f, 1055),
    total: numberOf(f, 1020),
    payments: {
      cash: numberOf(f, 1031) ?? 0,
      card: numberOf(f, 1081) ?? 0,
      prepaid: numberOf(f, 1215) ?? 0,
      credit: numberOf(f, 1216) ?? 0,
      provision: numberOf(f, 1217) ?? 0,
    },
    vat,
    items: findAll(f, 1059).map((i) => itemView(childrenOf(i) ?? [])),
    address: stringOf(f, 1009),
    place: stringOf(f, 1187),
    buyerContact: stringOf(f, 1008),
  });
}

function itemView(f: readonly Field[]): ReceiptItemView {
  const code = childrenOf(findField(f, 1163));
  return compact<ReceiptItemView>({
    name: stringOf(f, 1030),
    price: numberOf(f, 1079),
    quantity: decimalOf(f, 1023),
    sum: numberOf(f, 1043),
    vatRate: numberOf(f, 1199),
    vatSum: numberOf(f, 1200),
    paymentMethod: numberOf(f, 1214),
    productType: numberOf(f, 1212),
    measure: numberOf(f, 2108),
    markingCode: code ? (stringOf(code, 1305) ?? stringOf(code, 1306)) : undefined,
  });
}

export interface ShiftReportView extends DocumentHeader {
  readonly kind: 'open' | 'close';
  readonly shiftNumber?: number;
  /** Close only: receipts and documents in the shift. */
  readonly receiptsCount?: number;
  readonly documentsCount?: number;
  /** Documents the ФН still holds unconfirmed by the OFD, and the time of the first. */
  readonly unsentCount?: number;
  readonly firstUnsentTime?: number;
  readonly ofdTimeoutFlag?: boolean;
  readonly keysResourceDays?: number;
}

export function shiftReportView(doc: FiscalDocument): ShiftReportView | undefined {
  if (doc.form !== 2 && doc.form !== 5) return undefined;
  const f = doc.fields;
  const timeout = numberOf(f, 1053);
  return compact<ShiftReportView>({
    ...documentHeader(doc),
    kind: doc.form === 2 ? 'open' : 'close',
    shiftNumber: numberOf(f, 1038),
    receiptsCount: numberOf(f, 1118),
    documentsCount: numberOf(f, 1111),
    unsentCount: numberOf(f, 1097),
    firstUnsentTime: numberOf(f, 1098),
    ofdTimeoutFlag: timeout === undefined ? undefined : timeout === 1,
    keysResourceDays: numberOf(f, 1213),
  });
}

export interface RegistrationView extends DocumentHeader {
  readonly reregistration: boolean;
  readonly taxationSystems?: number;
  readonly user?: string;
  readonly address?: string;
  readonly place?: string;
  readonly ofdInn?: string;
  readonly ofdName?: string;
  readonly encrypted?: boolean;
  readonly autonomous?: boolean;
  readonly kktSerial?: string;
}

export function registrationView(doc: FiscalDocument): RegistrationView | undefined {
  if (doc.form !== 1 && doc.form !== 11) return undefined;
  const f = doc.fields;
  const enc = numberOf(f, 1056);
  const auto = numberOf(f, 1002);
  return compact<RegistrationView>({
    ...documentHeader(doc),
    reregistration: doc.form === 11,
    taxationSystems: numberOf(f, 1062),
    user: stringOf(f, 1048),
    address: stringOf(f, 1009),
    place: stringOf(f, 1187),
    ofdInn: stringOf(f, 1017)?.trimEnd(),
    ofdName: stringOf(f, 1046),
    encrypted: enc === undefined ? undefined : enc === 1,
    autonomous: auto === undefined ? undefined : auto === 1,
    kktSerial: stringOf(f, 1013),
  });
}

export interface StateReportView extends DocumentHeader {
  /** Form 21 (current state) or 6 (closing of the ФН). */
  readonly kind: 'current-state' | 'fn-close';
  readonly unsentCount?: number;
  readonly firstUnsentTime?: number;
  readonly firstUnsentFd?: number;
  readonly shiftNumber?: number;
}

export function stateReportView(doc: FiscalDocument): StateReportView | undefined {
  if (doc.form !== 21 && doc.form !== 6) return undefined;
  const f = doc.fields;
  return compact<StateReportView>({
    ...documentHeader(doc),
    kind: doc.form === 21 ? 'current-state' : 'fn-close',
    unsentCount: numberOf(f, 1097),
    firstUnsentTime: numberOf(f, 1098),
    firstUnsentFd: numberOf(f, 1116),
    shiftNumber: numberOf(f, 1038),
  });
}

/** Drops undefined properties so views compare and serialise cleanly. */
function compact<T extends object>(o: T): T {
  // views are built per stored document: a plain loop, several times faster than fromEntries
  const out: Record<string, unknown> = {};
  for (const k in o) {
    const v = (o as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out as T;
}
