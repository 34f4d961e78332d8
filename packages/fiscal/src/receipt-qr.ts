import { numberOf, printedFiscalSign, stringOf, type FiscalDocument } from './documents/document.js';
import { formatRoubles } from './money/money.js';
import { err, ok, type Result } from './result.js';

/**
 * The receipt QR payload the FNS check services read:
 * t=YYYYMMDDTHHMM&s=<total in roubles>&fn=<ФН>&i=<ФД>&fp=<printed ФП>&n=<1054>
 */
export function receiptQrPayload(doc: FiscalDocument): Result<string, string> {
  const t = numberOf(doc.fields, 1012);
  const s = numberOf(doc.fields, 1020);
  const fn = stringOf(doc.fields, 1041);
  const i = numberOf(doc.fields, 1040);
  const fp = printedFiscalSign(doc);
  const n = numberOf(doc.fields, 1054);
  const missing = [
    [t, 1012],
    [s, 1020],
    [fn, 1041],
    [i, 1040],
    [fp, 1077],
    [n, 1054],
  ]
    .filter(([v]) => v === undefined)
    .map(([, tag]) => tag);
  if (
    missing.length > 0 ||
    t === undefined ||
    s === undefined ||
    fn === undefined ||
    i === undefined ||
    fp === undefined ||
    n === undefined
  ) {
    return err(`the receipt lacks tag(s) ${missing.join(', ')} needed for its QR code`);
  }
  const d = new Date(t * 1000).toISOString(); // fiscal local time, read as written
  const stamp = `${d.slice(0, 4)}${d.slice(5, 7)}${d.slice(8, 10)}T${d.slice(11, 13)}${d.slice(14, 16)}`;
  return ok(`t=${stamp}&s=${formatRoubles(s)}&fn=${fn}&i=${i}&fp=${fp}&n=${n}`);
}

export interface ReceiptQr {
  readonly time: string;
  readonly total: number;
  readonly fnNumber: string;
  readonly fdNumber: number;
  readonly fiscalSign: number;
  readonly operationType: number;
}

/** Parses a scanned receipt QR payload (keys in any order). */
export function parseReceiptQr(text: string): Result<ReceiptQr, string> {
  const params = new Map<string, string>();
  for (const part of text.trim().split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const t = params.get('t');
  const s = params.get('s');
  const fn = params.get('fn');
  const i = params.get('i');
  const fp = params.get('fp');
  const n = params.get('n');
  if (!t || !/^\d{8}T\d{4,6}$/.test(t)) return err('t= must be YYYYMMDDTHHMM');
  if (!s || !/^\d+(\.\d{1,2})?$/.test(s)) return err('s= must be an amount in roubles');
  if (!fn || !/^\d{16}$/.test(fn)) return err('fn= must be 16 digits');
  if (!i || !/^\d+$/.test(i)) return err('i= must be the ФД number');
  if (!fp || !/^\d+$/.test(fp)) return err('fp= must be the printed fiscal sign');
  if (!n || !/^[1-4]$/.test(n)) return err('n= must be 1..4');
  const [rub, kop = ''] = s.split('.');
  return ok({
    time: t,
    total: Number(rub) * 100 + Number(kop.padEnd(2, '0')),
    fnNumber: fn,
    fdNumber: Number(i),
    fiscalSign: Number(fp),
    operationType: Number(n),
  });
}
