import { lineAmount, type Kopecks } from '../money/money.js';
import type { Decimal } from '../money/quantity.js';
import { vatIncluded, vatRateInfo } from '../money/vat.js';
import { err, ok, type Result } from '../result.js';
import type { Field } from '../tlv/codec.js';
import { padInn } from '../wire/operator-ack.js';
import type { FiscalDocument } from './document.js';

/** One line of a sale as the till knows it; sums and VAT are computed here, exactly. */
export interface ReceiptLine {
  readonly name: string;
  /** Kopecks per unit, after discounts. */
  readonly price: Kopecks;
  readonly quantity: Decimal;
  /** Tag 1199 code. */
  readonly vatRate: number;
  /** Tag 1214, default 4 (полный расчет). */
  readonly paymentMethod?: number;
  /** Tag 1212, default 1 (товар). */
  readonly productType?: number;
  /** Tag 2108 (FFD 1.2), default 0 (pieces); 11 for kilograms. */
  readonly measure?: number;
}

export interface ReceiptInput {
  readonly ffd: '1.05' | '1.2';
  /** 1 приход, 2 возврат прихода, 3 расход, 4 возврат расхода. */
  readonly operationType: number;
  /** Tag 1055: one taxation system bit. */
  readonly taxation: number;
  readonly lines: readonly ReceiptLine[];
  readonly payments: {
    readonly cash?: Kopecks;
    readonly card?: Kopecks;
    readonly prepaid?: Kopecks;
    readonly credit?: Kopecks;
    readonly provision?: Kopecks;
  };
  readonly user: string;
  readonly userInn: string;
  readonly kktRegId: string;
  readonly address: string;
  readonly place: string;
  readonly cashier?: string;
  readonly cashierInn?: string;
  readonly fnNumber: string;
  readonly fdNumber: number;
  readonly shiftNumber: number;
  readonly receiptNumber: number;
  /** Fiscal local time. */
  readonly dateTime: number;
  /** ФПД, 6 bytes (computed by the ФН). */
  readonly fiscalSign: Uint8Array;
  /** Form 3 (receipt), 4 (BSO), 31 / 41 (corrections: give their 1173/1174 in `extraFields`). */
  readonly form?: 3 | 4 | 31 | 41;
  /** Buyer's phone or e-mail (1008). */
  readonly buyerContact?: string;
  /** Further tags placed before the items (e.g. 1173, 1174 of a correction). */
  readonly extraFields?: readonly Field[];
}

/**
 * Builds a receipt document whose item sums, VAT sums, totals and payment tags agree, so it
 * passes ФЛК by construction. Refuses inconsistent input with a reason.
 */
export function buildReceipt(r: ReceiptInput): Result<FiscalDocument, string> {
  if (r.lines.length === 0) return err('a receipt needs at least one line');
  const items: Field[] = [];
  const byTag = new Map<number, number>();
  let total = 0;
  for (const [i, l] of r.lines.entries()) {
    const info = vatRateInfo(l.vatRate);
    if (!info) return err(`line ${i + 1}: unknown VAT rate code ${l.vatRate}`);
    if (!Number.isSafeInteger(l.price) || l.price < 0)
      return err(`line ${i + 1}: price must be whole kopecks ≥ 0`);
    if (l.quantity.mantissa <= 0n) return err(`line ${i + 1}: quantity must be positive`);
    const sum = lineAmount(l.price, l.quantity);
    const vat = vatIncluded(sum, l.vatRate) ?? 0;
    total += sum;
    if (info.receiptTag !== undefined)
      byTag.set(
        info.receiptTag,
        (byTag.get(info.receiptTag) ?? 0) + (info.receiptTagHoldsAmount ? sum : vat),
      );
    const item: Field[] = [
      { tag: 1030, value: l.name },
      { tag: 1079, value: l.price },
      { tag: 1023, value: l.quantity },
      { tag: 1043, value: sum },
      { tag: 1199, value: l.vatRate },
    ];
    if (info.percent > 0) item.push({ tag: 1200, value: vat });
    item.push({ tag: 1214, value: l.paymentMethod ?? 4 }, { tag: 1212, value: l.productType ?? 1 });
    if (r.ffd === '1.2') item.push({ tag: 2108, value: l.measure ?? 0 });
    items.push({ tag: 1059, value: item });
  }
  const p = r.payments;
  const paid = (p.cash ?? 0) + (p.card ?? 0) + (p.prepaid ?? 0) + (p.credit ?? 0) + (p.provision ?? 0);
  if (paid !== total) return err(`payments ${paid} do not equal the total ${total}`);
  if (r.fiscalSign.length !== 6) return err('the fiscal sign (ФПД) must be 6 bytes');
  const fields: Field[] = [
    { tag: 1209, value: r.ffd === '1.2' ? 4 : 2 },
    { tag: 1048, value: r.user },
    { tag: 1018, value: padInn(r.userInn) },
    { tag: 1042, value: r.receiptNumber },
    { tag: 1012, value: r.dateTime },
    { tag: 1038, value: r.shiftNumber },
    { tag: 1054, value: r.operationType },
    { tag: 1055, value: r.taxation },
    ...(r.cashier !== undefined ? [{ tag: 1021, value: r.cashier }] : []),
    ...(r.cashierInn !== undefined ? [{ tag: 1203, value: padInn(r.cashierInn) }] : []),
    { tag: 1037, value: r.kktRegId.padEnd(20, ' ') },
    { tag: 1009, value: r.address },
    { tag: 1187, value: r.place },
    ...(r.buyerContact !== undefined ? [{ tag: 1008, value: r.buyerContact }] : []),
    ...(r.extraFields ?? []),
    ...items,
    { tag: 1020, value: total },
    { tag: 1031, value: p.cash ?? 0 },
    { tag: 1081, value: p.card ?? 0 },
    { tag: 1215, value: p.prepaid ?? 0 },
    { tag: 1216, value: p.credit ?? 0 },
    { tag: 1217, value: p.provision ?? 0 },
    ...[...byTag.entries()].sort(([a], [b]) => a - b).map(([tag, value]) => ({ tag, value })),
    { tag: 1040, value: r.fdNumber },
    { tag: 1041, value: r.fnNumber },
    { tag: 1077, value: r.fiscalSign },
  ];
  return ok({ form: r.form ?? 3, fields });
}
