/** CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final XOR. */
const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

export function crc16CcittFalse(data: Uint8Array, init = 0xffff): number {
  let crc = init;
  for (const b of data) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ b) & 0xff]!;
  return crc;
}

/** Continues a CRC over several chunks without concatenating them. */
export function crc16Chunks(chunks: readonly Uint8Array[]): number {
  let crc = 0xffff;
  for (const c of chunks) crc = crc16CcittFalse(c, crc);
  return crc;
}
