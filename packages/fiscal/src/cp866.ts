/**
 * CP866 (IBM866), the character set of every fiscal string. Decoding uses the platform's
 * WHATWG decoder; the encoding table is derived from it once, so both directions agree.
 * CP866 maps all 256 byte values, so decode → encode is byte-identical for any input.
 */
let encodeTable: Map<number, number> | undefined;
const decoder = new TextDecoder('ibm866');

export function decodeCp866(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

function table(): Map<number, number> {
  if (!encodeTable) {
    const t = new Map<number, number>();
    const all = new Uint8Array(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    const chars = decoder.decode(all);
    let byte = 0;
    for (const ch of chars) t.set(ch.codePointAt(0)!, byte++);
    encodeTable = t;
  }
  return encodeTable;
}

/** Encodes text as CP866; returns the first character that has no CP866 byte, if any. */
export function encodeCp866(text: string): { bytes: Uint8Array } | { badChar: string; index: number } {
  const t = table();
  const out: number[] = [];
  let index = 0;
  for (const ch of text) {
    const b = t.get(ch.codePointAt(0)!);
    if (b === undefined) return { badChar: ch, index };
    out.push(b);
    index++;
  }
  return { bytes: Uint8Array.from(out) };
}
