import { err, ok, type Result } from '../result.js';

/**
 * Честный ЗНАК marking codes. GS1 DataMatrix: AI 01 GTIN (14), AI 21 serial (variable, ends at
 * GS), then either 91 key id (4) + 92 crypto tail (44 or 88), or 93 short crypto tail (4); some
 * groups add 3103 net weight (6). Tobacco packs use a 29-character non-GS1 code.
 * Fields are split by fixed lengths and GS separators, never by searching for AI digits,
 * which may occur inside serials.
 */
export interface MarkingCode {
  readonly format: 'gs1' | 'tobacco-pack';
  readonly gtin: string;
  readonly serial: string;
  readonly cryptoKeyId?: string;
  /** AI 92, or AI 93 for short codes, or the 4-character tail of a tobacco pack code. */
  readonly crypto?: string;
  readonly shortCrypto?: boolean;
  /** AI 3103: net weight in grams. */
  readonly netWeightGrams?: number;
  /** AI 8005 (tobacco MRP) or the pack's 4-character MRP. */
  readonly mrp?: string;
  /** Code without FNC1/symbology prefix, GS kept: what goes into tag 2000/1305 processing. */
  readonly normalized: string;
}

export interface MarkingError {
  readonly code: 'empty' | 'bad-gtin' | 'bad-structure' | 'unknown-ai';
  readonly message: string;
}

const GS = '\u001d';

/** Strips scanner prefixes: AIM symbology id "]d2"/"]C1", a leading FNC1 shown as GS or "\u00e8". */
function normalize(raw: string): string {
  let s = raw.replace(/[\r\n]+$/, '');
  if (/^\][A-Za-z]\d/.test(s)) s = s.slice(3);
  while (s.startsWith(GS) || s.startsWith('\u00e8')) s = s.slice(1);
  return s.replace(/\u00e8/g, GS);
}

function gtinValid(g: string): boolean {
  if (!/^\d{14}$/.test(g)) return false;
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += Number(g[i]) * (i % 2 === 0 ? 3 : 1);
  return (10 - (sum % 10)) % 10 === Number(g[13]);
}

export function parseMarkingCode(raw: string): Result<MarkingCode, MarkingError> {
  const s = normalize(raw);
  if (s.length === 0) return err({ code: 'empty', message: 'the marking code is empty' });
  if (!s.startsWith('01')) {
    // Tobacco pack: GTIN 14 + serial 7 + MRP 4 + crypto 4, no AIs.
    if (s.length === 29 && /^\d{14}/.test(s)) {
      const gtin = s.slice(0, 14);
      if (!gtinValid(gtin)) return err({ code: 'bad-gtin', message: `GTIN ${gtin} has a wrong check digit` });
      return ok({
        format: 'tobacco-pack',
        gtin,
        serial: s.slice(14, 21),
        mrp: s.slice(21, 25),
        crypto: s.slice(25, 29),
        normalized: s,
      });
    }
    return err({ code: 'bad-structure', message: 'a GS1 marking code starts with AI 01 (GTIN)' });
  }
  const gtin = s.slice(2, 16);
  if (!gtinValid(gtin))
    return err({ code: 'bad-gtin', message: `GTIN "${gtin}" is not 14 digits with a valid check digit` });
  if (s.slice(16, 18) !== '21')
    return err({ code: 'bad-structure', message: 'AI 21 (serial) must follow the GTIN' });
  let at = 18;
  const gsAt = s.indexOf(GS, at);
  let serial: string;
  if (gsAt >= 0) {
    serial = s.slice(at, gsAt);
    at = gsAt + 1;
  } else {
    // Scanners that drop GS: the serial is 13 characters by default (6–8 for some groups are
    // ambiguous without GS and are rejected below if what follows is not a known AI).
    serial = s.slice(at, at + 13);
    at += 13;
  }
  if (serial.length === 0 || serial.length > 20)
    return err({ code: 'bad-structure', message: `serial "${serial}" has a bad length` });
  const out: { -readonly [K in keyof MarkingCode]?: MarkingCode[K] } = {
    format: 'gs1',
    gtin,
    serial,
    normalized: s,
  };
  while (at < s.length) {
    if (s[at] === GS) {
      at++;
      continue;
    }
    const ai2 = s.slice(at, at + 2);
    const ai4 = s.slice(at, at + 4);
    if (ai2 === '91') {
      out.cryptoKeyId = s.slice(at + 2, at + 6);
      at += 6;
    } else if (ai2 === '92') {
      const end = s.indexOf(GS, at + 2);
      out.crypto = s.slice(at + 2, end < 0 ? s.length : end);
      at = end < 0 ? s.length : end;
      if (out.crypto.length !== 44 && out.crypto.length !== 88) {
        return err({
          code: 'bad-structure',
          message: `crypto tail (AI 92) has ${out.crypto.length} characters, expected 44 or 88`,
        });
      }
    } else if (ai2 === '93') {
      out.crypto = s.slice(at + 2, at + 6);
      out.shortCrypto = true;
      at += 6;
    } else if (ai4 === '3103') {
      const w = s.slice(at + 4, at + 10);
      if (!/^\d{6}$/.test(w)) return err({ code: 'bad-structure', message: 'AI 3103 needs 6 digits' });
      out.netWeightGrams = Number(w);
      at += 10;
    } else if (ai4 === '8005') {
      out.mrp = s.slice(at + 4, at + 10);
      at += 10;
    } else {
      return err({
        code: 'unknown-ai',
        message: `unexpected data "${s.slice(at, at + 6)}" at position ${at}`,
      });
    }
  }
  if (out.crypto === undefined)
    return err({ code: 'bad-structure', message: 'the code has no crypto tail (AI 92 or 93)' });
  return ok(out as MarkingCode);
}
