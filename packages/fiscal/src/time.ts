/**
 * Fiscal time (tag 1012 and other UnixTime tags) is the wall-clock time of the place of
 * settlement written as if it were UTC seconds. Never shift it by the server's zone.
 */
export type FiscalTime = number;

/** "2017-03-03T11:38:00" — local time of the settlement, no zone suffix on purpose. */
export function fiscalTimeToText(t: FiscalTime): string {
  return new Date(t * 1000).toISOString().slice(0, 19);
}

/** Parses "YYYY-MM-DDTHH:MM[:SS]" local text back to fiscal seconds. */
export function fiscalTimeFromText(text: string): FiscalTime | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
  if (Number.isNaN(ms)) return undefined;
  const back = new Date(ms);
  if (back.getUTCDate() !== +m[3]! || back.getUTCHours() !== +m[4]!) return undefined;
  return ms / 1000;
}

/** Fiscal time of an instant at a place `utcOffsetMinutes` east of UTC (Moscow: 180). */
export function fiscalTimeAt(instant: Date, utcOffsetMinutes: number): FiscalTime {
  return Math.floor(instant.getTime() / 1000) + utcOffsetMinutes * 60;
}
