import { VatRate } from '@openkassa/fiscal';

/** The ККТ's VAT names by the ФФД's VAT codes. */
export const VAT_NAME: Record<number, string> = Object.fromEntries(
  Object.entries(VatRate).map(([n, c]) => [c, n]),
);
/** Kopecks as the ККТ takes them: roubles, a number. */
export const rub = (k: number) => k / 100;
/** Roubles as the ККТ reports them → kopecks. */
export const kop = (r: unknown) => Math.round(Number(r ?? 0) * 100);
const RUB = new Intl.NumberFormat('ru-RU', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
/** Kopecks as the cashier reads them: "1 234,50 ₽". */
export const fmt = (k: number) => `${RUB.format(k / 100)} ₽`;

/** Local time with the machine's offset: the business day is the store's, not UTC's. */
export function isoLocal(d: Date): string {
  const off = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + off * 60_000).toISOString().slice(0, 19);
  const sign = off >= 0 ? '+' : '-';
  const a = Math.abs(off);
  return `${local}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}
