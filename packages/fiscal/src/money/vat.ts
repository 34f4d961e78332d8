import { divRoundHalfUp, type Kopecks } from './money.js';

/**
 * VAT rate codes of tag 1199. 1–6 are the classic ones; 11/12 (22 %, 22/122) apply from
 * 5 Jan 2026 (приказ ФНС ЕД-7-20/1050@); 7–10 (5 %, 7 %, 5/105, 7/107) came with the 2025
 * amendment for УСН payers — their numbering is believed, not verified against the order.
 */
export const VatRate = {
  vat20: 1,
  vat10: 2,
  vat120: 3,
  vat110: 4,
  vat0: 5,
  none: 6,
  vat5: 7,
  vat7: 8,
  vat105: 9,
  vat107: 10,
  vat22: 11,
  vat122: 12,
} as const;
export type VatRateCode = (typeof VatRate)[keyof typeof VatRate];

export interface VatRateInfo {
  readonly code: VatRateCode;
  readonly label: string;
  /** Percent included in a gross amount; 0 for 0 % and "без НДС". */
  readonly percent: number;
  /** Tag of the receipt-level sum this rate adds to (VAT sum, or the amount for 0 %/none). */
  readonly receiptTag?: number;
  /** For 0 % and "без НДС" the receipt tag holds the settlement amount, not a VAT sum. */
  readonly receiptTagHoldsAmount?: boolean;
}

// Receipt-level tags for 22 %/22/122 reuse 1102/1106, whose FFD names were about the "main"
// rate (20 % until 2025) [inferred]; 5 %/7 % have no classic receipt tag (they go to 1115).
const RATES: readonly VatRateInfo[] = [
  { code: 1, label: 'НДС 20%', percent: 20, receiptTag: 1102 },
  { code: 2, label: 'НДС 10%', percent: 10, receiptTag: 1103 },
  { code: 3, label: 'НДС 20/120', percent: 20, receiptTag: 1106 },
  { code: 4, label: 'НДС 10/110', percent: 10, receiptTag: 1107 },
  { code: 5, label: 'НДС 0%', percent: 0, receiptTag: 1104, receiptTagHoldsAmount: true },
  { code: 6, label: 'Без НДС', percent: 0, receiptTag: 1105, receiptTagHoldsAmount: true },
  { code: 7, label: 'НДС 5%', percent: 5 },
  { code: 8, label: 'НДС 7%', percent: 7 },
  { code: 9, label: 'НДС 5/105', percent: 5 },
  { code: 10, label: 'НДС 7/107', percent: 7 },
  { code: 11, label: 'НДС 22%', percent: 22, receiptTag: 1102 },
  { code: 12, label: 'НДС 22/122', percent: 22, receiptTag: 1106 },
];

export function vatRateInfo(code: number): VatRateInfo | undefined {
  return RATES.find((r) => r.code === code);
}

export function allVatRates(): readonly VatRateInfo[] {
  return RATES;
}

/** VAT contained in a gross amount (prices include VAT in retail), rounded half up. */
export function vatIncluded(gross: Kopecks, code: number): Kopecks | undefined {
  const info = vatRateInfo(code);
  if (!info) return undefined;
  if (info.percent === 0) return 0;
  return Number(divRoundHalfUp(BigInt(gross) * BigInt(info.percent), BigInt(100 + info.percent)));
}
