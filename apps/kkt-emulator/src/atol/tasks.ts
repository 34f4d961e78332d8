import { decimalFromNumber, lineAmount, VatRate, type Decimal, type ReceiptLine } from '@openkassa/fiscal';
import { DriverError, failure, type DriverFailure } from './errors.js';
import type { Payments, ReceiptCommand } from '../fn/fiscal-drive.js';

/**
 * ATOL JSON tasks → commands for the fiscal drive. Validation follows the driver's own
 * validators: a missing field, a wrong type or a bad value is LIBFPTR_ERROR_RECEIPT_PARSE_ERROR
 * (501) naming the field, and nothing is fiscalised.
 */
export const RECEIPT_TYPES = { sell: 1, sellReturn: 2, buy: 3, buyReturn: 4 } as const;
export const CORRECTION_TYPES = {
  sellCorrection: 1,
  sellReturnCorrection: 2,
  buyCorrection: 3,
  buyReturnCorrection: 4,
} as const;
export const SIMPLE_TYPES = [
  'openShift',
  'closeShift',
  'reportX',
  'getShiftStatus',
  'getShiftTotals',
  'cashIn',
  'cashOut',
  'getDeviceStatus',
  'getFnInfo',
  'ofdExchangeStatus',
] as const;

export type Task =
  | { readonly type: 'receipt'; readonly name: string; readonly command: ReceiptCommand }
  | {
      readonly type: 'openShift' | 'closeShift' | 'reportX';
      readonly operator?: { name: string; vatin?: string };
    }
  | {
      readonly type: 'cashIn' | 'cashOut';
      readonly amount: number;
      readonly operator?: { name: string; vatin?: string };
    }
  | {
      readonly type:
        'getShiftStatus' | 'getShiftTotals' | 'getDeviceStatus' | 'getFnInfo' | 'ofdExchangeStatus';
    };

type Parsed<T> = { ok: true; value: T } | { ok: false; error: DriverFailure };
type Obj = Record<string, unknown>;

const parseError = (msg: string): { ok: false; error: DriverFailure } => ({
  ok: false,
  error: failure(DriverError.receiptParse, msg),
});
const missing = (f: string) => parseError(`Поле "${f}" отсутствует`);
const badType = (f: string) => parseError(`Поле "${f}" имеет неверный тип`);
const badValue = (f: string) => parseError(`Некорректное значение поля "${f}"`);

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Roubles as a JSON number with at most two decimals → kopecks, exactly. */
function money(v: unknown, field: string, required = true): Parsed<number | undefined> {
  if (v === undefined) return required ? missing(field) : { ok: true, value: undefined };
  if (typeof v !== 'number') return badType(field);
  const d = decimalFromNumber(v);
  if (!d || d.scale > 2 || d.mantissa > 2n ** 48n) return badValue(field);
  return { ok: true, value: Number(d.mantissa * 10n ** BigInt(2 - d.scale)) };
}

function quantity(v: unknown, field: string): Parsed<Decimal> {
  if (v === undefined) return missing(field);
  if (typeof v !== 'number') return badType(field);
  const d = decimalFromNumber(v);
  if (!d || d.scale > 6 || d.mantissa <= 0n) return badValue(field);
  return { ok: true, value: d };
}

function operator(v: unknown): Parsed<{ name: string; vatin?: string } | undefined> {
  if (v === undefined) return { ok: true, value: undefined };
  if (!isObj(v)) return badType('operator');
  if (typeof v.name !== 'string')
    return v.name === undefined ? missing('operator.name') : badType('operator.name');
  if (v.name.length > 64) return badValue('operator.name');
  if (v.vatin !== undefined && (typeof v.vatin !== 'string' || !/^(\d{10}|\d{12})$/.test(v.vatin)))
    return badValue('operator.vatin');
  return { ok: true, value: { name: v.name, ...(typeof v.vatin === 'string' && { vatin: v.vatin }) } };
}

const TAXATION: Record<string, number> = {
  osn: 1,
  usnIncome: 2,
  usnIncomeOutcome: 4,
  envd: 8,
  esn: 16,
  patent: 32,
};
// The driver's tax names are our VatRate names, plus short and legacy aliases (18 % became 20 %).
const TAX: Record<string, number> = {
  ...VatRate,
  '20': VatRate.vat20,
  '10': VatRate.vat10,
  '120': VatRate.vat120,
  '110': VatRate.vat110,
  '0': VatRate.vat0,
  vat18: VatRate.vat20,
  '18': VatRate.vat20,
  vat118: VatRate.vat120,
  '118': VatRate.vat120,
};
const PAYMENT_METHOD: Record<string, number> = {
  fullPrepayment: 1,
  prepayment: 2,
  advance: 3,
  fullPayment: 4,
  partialPayment: 5,
  credit: 6,
  creditPayment: 7,
};
const PAYMENT_OBJECT: Record<string, number> = {
  commodity: 1,
  excise: 2,
  job: 3,
  service: 4,
  gamblingBet: 5,
  gamblingPrize: 6,
  lottery: 7,
  lotteryPrize: 8,
  intellectualActivity: 9,
  payment: 10,
  agentCommission: 11,
  composite: 12,
  pay: 12,
  another: 13,
  proprietaryLaw: 14,
  nonOperatingIncome: 15,
  insuranceContributions: 16,
  otherContributions: 16,
  merchantTax: 17,
  resortFee: 18,
  deposit: 19,
  consumption: 20,
  soleProprietorCPIContributions: 21,
  cpiContributions: 22,
  soleProprietorCMIContributions: 23,
  cmiContributions: 24,
  csiContributions: 25,
  casinoPayment: 26,
  fundsIssuance: 27,
  exciseWithoutMarking: 30,
  exciseWithMarking: 31,
  commodityWithoutMarking: 32,
  commodityWithMarking: 33,
};
const PAYMENT_TYPE: Record<string, keyof Payments> = {
  cash: 'cash',
  '0': 'cash',
  electronically: 'card',
  '1': 'card',
  prepaid: 'prepaid',
  '2': 'prepaid',
  credit: 'credit',
  '3': 'credit',
  other: 'provision',
  '4': 'provision',
};
const MEASURES = new Set([
  0, 10, 11, 12, 20, 21, 22, 30, 31, 32, 40, 41, 42, 50, 51, 70, 71, 72, 73, 80, 81, 82, 83, 255,
]);

function enumValue(table: Record<string, number>, v: unknown, field: string, dflt: number): Parsed<number> {
  if (v === undefined) return { ok: true, value: dflt };
  if (typeof v !== 'string') return badType(field);
  const n = table[v] ?? (/^\d+$/.test(v) && Object.values(table).includes(Number(v)) ? Number(v) : undefined);
  return n === undefined ? badValue(field) : { ok: true, value: n };
}

function position(it: Obj, i: number, ffd: '1.05' | '1.2'): Parsed<ReceiptLine> {
  const f = (n: string) => `items[${i}].${n}`;
  if (typeof it.name !== 'string') return it.name === undefined ? missing(f('name')) : badType(f('name'));
  if (it.name.length === 0 || it.name.length > 128) return badValue(f('name'));
  const price = money(it.price, f('price'));
  if (!price.ok) return price;
  const qty = quantity(it.quantity, f('quantity'));
  if (!qty.ok) return qty;
  const amount = money(it.amount, f('amount'));
  if (!amount.ok) return amount;
  let unit = price.value!;
  const sum = amount.value!;
  if (Math.abs(lineAmount(unit, qty.value) - sum) > 1) {
    // A discounted line: the driver writes the price after discount so that price × quantity = amount.
    if (sum > lineAmount(unit, qty.value))
      return { ok: false, error: failure(DriverError.invalidSum, `${f('amount')} exceeds price × quantity`) };
    unit = Number(
      (BigInt(sum) * 10n ** BigInt(qty.value.scale) + qty.value.mantissa / 2n) / qty.value.mantissa,
    );
    if (lineAmount(unit, qty.value) !== sum)
      return {
        ok: false,
        error: failure(DriverError.invalidSum, `${f('amount')} cannot be reached by a whole-kopeck price`),
      };
  }
  let vatRate = 6;
  if (it.tax !== undefined) {
    if (!isObj(it.tax)) return badType(f('tax'));
    if (typeof it.tax.type !== 'string')
      return it.tax.type === undefined ? missing(f('tax.type')) : badType(f('tax.type'));
    const code = TAX[it.tax.type];
    if (code === undefined)
      return { ok: false, error: failure(DriverError.invalidTaxType, `${f('tax.type')} "${it.tax.type}"`) };
    vatRate = code;
  }
  const method = enumValue(PAYMENT_METHOD, it.paymentMethod, f('paymentMethod'), 4);
  if (!method.ok) return method;
  const object = enumValue(PAYMENT_OBJECT, it.paymentObject, f('paymentObject'), 1);
  if (!object.ok) return object;
  let measure = 0;
  if (it.measurementUnit !== undefined) {
    if (typeof it.measurementUnit === 'number') {
      if (!MEASURES.has(it.measurementUnit)) return badValue(f('measurementUnit'));
      measure = it.measurementUnit;
    } else if (typeof it.measurementUnit !== 'string') return badType(f('measurementUnit'));
  }
  return {
    ok: true,
    value: {
      name: it.name,
      price: unit,
      quantity: qty.value,
      vatRate,
      paymentMethod: method.value,
      productType: object.value,
      ...(ffd === '1.2' && { measure }),
    },
  };
}

function receiptCommand(
  t: Obj,
  operationType: 1 | 2 | 3 | 4,
  ffd: '1.05' | '1.2',
  correction: boolean,
): Parsed<ReceiptCommand> {
  const op = operator(t.operator);
  if (!op.ok) return op;
  let taxation: number | undefined;
  if (t.taxationType !== undefined) {
    if (typeof t.taxationType !== 'string') return badType('taxationType');
    taxation = TAXATION[t.taxationType];
    if (taxation === undefined)
      return { ok: false, error: failure(DriverError.invalidTaxationType, `"${t.taxationType}"`) };
  }
  if (!Array.isArray(t.items)) return t.items === undefined ? missing('items') : badType('items');
  const lines: ReceiptLine[] = [];
  for (const [i, it] of (t.items as unknown[]).entries()) {
    if (!isObj(it)) return badType(`items[${i}]`);
    if (it.type === 'position') {
      const p = position(it, i, ffd);
      if (!p.ok) return p;
      lines.push(p.value);
    } else if (typeof it.type !== 'string') {
      return missing(`items[${i}].type`);
    }
    // text, barcode and other print-only items change nothing fiscal.
  }
  if (lines.length === 0) return parseError('В чеке нет ни одной позиции');
  if (!Array.isArray(t.payments)) return t.payments === undefined ? missing('payments') : badType('payments');
  const payments: Payments = { cash: 0, card: 0, prepaid: 0, credit: 0, provision: 0 };
  for (const [i, pay] of (t.payments as unknown[]).entries()) {
    if (!isObj(pay)) return badType(`payments[${i}]`);
    // The driver's validator accepts only strings here ("cash", "electronically", "0".."9").
    if (typeof pay.type !== 'string')
      return pay.type === undefined ? missing(`payments[${i}].type`) : badType(`payments[${i}].type`);
    const kind = PAYMENT_TYPE[pay.type];
    if (!kind) return badValue(`payments[${i}].type`);
    const sum = money(pay.sum, `payments[${i}].sum`);
    if (!sum.ok) return sum;
    payments[kind] += sum.value!;
  }
  const total = money(t.total, 'total', false);
  if (!total.ok) return total;
  let buyerContact: string | undefined;
  if (t.clientInfo !== undefined) {
    if (!isObj(t.clientInfo)) return badType('clientInfo');
    const c = t.clientInfo.emailOrPhone;
    if (c !== undefined && (typeof c !== 'string' || c.length > 64))
      return badValue('clientInfo.emailOrPhone');
    buyerContact = c;
  }
  for (const k of ['paymentsPlace', 'paymentsAddress'] as const) {
    if (t[k] !== undefined && (typeof t[k] !== 'string' || t[k].length > 256)) return badValue(k);
  }
  let corr: ReceiptCommand['correction'];
  if (correction) {
    const type = t.correctionType ?? 'self';
    if (type !== 'self' && type !== 'instruction') return badValue('correctionType');
    if (typeof t.correctionBaseDate !== 'string')
      return t.correctionBaseDate === undefined
        ? missing('correctionBaseDate')
        : badType('correctionBaseDate');
    const m = /^(\d{4})\.(\d{2})\.(\d{2})$/.exec(t.correctionBaseDate);
    const ms = m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!) : NaN;
    if (!m || Number.isNaN(ms) || new Date(ms).getUTCDate() !== +m[3]!) return badValue('correctionBaseDate');
    const num = t.correctionBaseNumber ?? '';
    if (typeof num !== 'string' || num.length > 32) return badValue('correctionBaseNumber');
    const name = t.correctionBaseName;
    if (name !== undefined && (typeof name !== 'string' || name.length > 256))
      return badValue('correctionBaseName');
    corr = {
      type: type === 'self' ? 0 : 1,
      baseDate: ms / 1000,
      baseNumber: num,
      ...(name !== undefined && { baseName: name }),
    };
  }
  return {
    ok: true,
    value: {
      operationType,
      ...(taxation !== undefined && { taxation }),
      ...(op.value && { operator: op.value }),
      lines,
      payments,
      ...(total.value !== undefined && { total: total.value }),
      ...(buyerContact !== undefined && { buyerContact }),
      ...(typeof t.paymentsPlace === 'string' && { place: t.paymentsPlace }),
      ...(typeof t.paymentsAddress === 'string' && { address: t.paymentsAddress }),
      ...(corr && { correction: corr }),
    },
  };
}

export function parseTask(raw: unknown, ffd: '1.05' | '1.2'): Parsed<Task> {
  if (!isObj(raw)) return parseError('Задание должно быть объектом');
  const type = raw.type;
  if (typeof type !== 'string') return type === undefined ? missing('type') : badType('type');
  if (type in RECEIPT_TYPES) {
    const r = receiptCommand(raw, RECEIPT_TYPES[type as keyof typeof RECEIPT_TYPES], ffd, false);
    return r.ok ? { ok: true, value: { type: 'receipt', name: type, command: r.value } } : r;
  }
  if (type in CORRECTION_TYPES) {
    const r = receiptCommand(raw, CORRECTION_TYPES[type as keyof typeof CORRECTION_TYPES], ffd, true);
    return r.ok ? { ok: true, value: { type: 'receipt', name: type, command: r.value } } : r;
  }
  switch (type) {
    case 'openShift':
    case 'closeShift':
    case 'reportX': {
      const op = operator(raw.operator);
      if (!op.ok) return op;
      return { ok: true, value: { type, ...(op.value && { operator: op.value }) } };
    }
    case 'cashIn':
    case 'cashOut': {
      const sum = money(raw.cashSum, 'cashSum');
      if (!sum.ok) return sum;
      if (sum.value! <= 0) return badValue('cashSum');
      const op = operator(raw.operator);
      if (!op.ok) return op;
      return { ok: true, value: { type, amount: sum.value!, ...(op.value && { operator: op.value }) } };
    }
    case 'getShiftStatus':
    case 'getShiftTotals':
    case 'getDeviceStatus':
    case 'getFnInfo':
    case 'ofdExchangeStatus':
      return { ok: true, value: { type } };
    default:
      return { ok: false, error: failure(DriverError.notSupported, `задание "${type}"`) };
  }
}
