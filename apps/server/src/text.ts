import { divRoundHalfUp, parseDecimal } from '@openkassa/fiscal';

/**
 * Text forms shared by the exchange files (CommerceML 2, CSV) and the CSV reports: money in
 * roubles, quantities, CSV fields and XML text, written and read back exactly.
 */

/** Kopecks → "1234.50" / "-0.05", exactly (no floating point). */
export function roubles(kopecks: number): string {
  const a = Math.abs(kopecks);
  return `${kopecks < 0 ? '-' : ''}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

/** Roubles as people and 1C write them ("89.90", "1 234,50", up to 4 decimals) → kopecks, rounded half up. */
export function parseRoubles(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = v.replace(/[\s\u00a0]/g, '').replace(',', '.');
  if (!/^-?\d+(\.\d{1,4})?$/.test(t)) return undefined;
  const d = parseDecimal(t.replace(/^-/, ''));
  if (!d) return undefined;
  const k = Number(divRoundHalfUp(d.mantissa * 100n, 10n ** BigInt(d.scale)));
  return t.startsWith('-') ? -k : k;
}

/** Thousandths → "1.234", "2" (no trailing zeros). */
export function quantityText(milli: number): string {
  const a = Math.abs(milli);
  const frac = String(a % 1000)
    .padStart(3, '0')
    .replace(/0+$/, '');
  return `${milli < 0 ? '-' : ''}${Math.floor(a / 1000)}${frac ? `.${frac}` : ''}`;
}

/** One CSV line (RFC 4180 quoting) with the given separator. */
export function csvLine(fields: readonly (string | number)[], sep = ','): string {
  return fields
    .map((f) => {
      const s = String(f);
      return s.includes(sep) || /["\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(sep);
}

export class CsvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvError';
  }
}

/**
 * CSV text → rows of fields. The separator is taken from the header line (`;` as Excel writes
 * it in Russian locales, else `,`, or a tab); quoted fields may hold separators, quotes and line
 * breaks; a byte-order mark is dropped. Each row carries its line number for messages.
 */
export function parseCsv(text: string): { header: string[]; rows: { line: number; fields: string[] }[] } {
  const src = text.replace(/^\uFEFF/, '');
  const firstLine = src.slice(0, src.search(/\r?\n|$/));
  const sep = firstLine.includes(';') ? ';' : firstLine.includes('\t') ? '\t' : ',';
  const rows: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field === '') quoted = true;
    else if (c === sep) {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      fields.push(field);
      if (fields.some((f) => f !== '')) rows.push({ line: rowLine, fields });
      fields = [];
      field = '';
      line++;
      rowLine = line;
    } else field += c;
  }
  if (quoted) throw new CsvError(`line ${rowLine}: a quoted field is not closed`);
  fields.push(field);
  if (fields.some((f) => f !== '')) rows.push({ line: rowLine, fields });
  const head = rows.shift();
  if (!head) throw new CsvError('the file is empty (no header line)');
  return { header: head.fields.map((h) => h.trim()), rows };
}

/** Text for XML element content and attribute values. */
export function xmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
