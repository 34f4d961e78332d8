/**
 * Mutation of recorded OFD-protocol messages for the fuzz runs: a seeded generator (the same seed
 * gives the same inputs, so a failure can be replayed) and the damage real links and hostile
 * senders do — flipped bits, truncation, wrong length fields, junk appended or inserted, shuffled
 * bytes, a damaged ФН in the session header or in the container.
 */

/** mulberry32: small, fast, good enough to spread mutations; seeded so runs repeat. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Mutant {
  readonly op: string;
  readonly bytes: Uint8Array;
}

const OPS = [
  'bit-flip',
  'byte-set',
  'truncate',
  'session-length',
  'container-length',
  'append-junk',
  'insert-junk',
  'shuffle',
  'session-fn',
  'container-fn',
  'fd-zero',
  'unchanged',
] as const;

/** One mutant of `seed` (a whole message), by an operator chosen with `rand`. */
export function mutate(seed: Uint8Array, rand: () => number): Mutant {
  const int = (n: number) => Math.floor(rand() * n);
  const b = seed.slice();
  const op = OPS[int(OPS.length)]!;
  const junk = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  switch (op) {
    case 'bit-flip': {
      for (let k = 1 + int(4); k > 0; k--) {
        const i = int(b.length);
        b[i] = b[i]! ^ (1 << int(8));
      }
      return { op, bytes: b };
    }
    case 'byte-set':
      b[int(b.length)] = int(256);
      return { op, bytes: b };
    case 'truncate':
      return { op, bytes: b.slice(0, int(b.length)) };
    case 'session-length':
      b[24] = int(256);
      b[25] = int(256);
      return { op, bytes: b };
    case 'container-length':
      if (b.length > 31) {
        b[30] = int(256);
        b[31] = int(256);
      }
      return { op, bytes: b };
    case 'append-junk':
      return { op, bytes: Uint8Array.from([...b, ...junk(1 + int(64))]) };
    case 'insert-junk': {
      const at = int(b.length);
      return { op, bytes: Uint8Array.from([...b.slice(0, at), ...junk(1 + int(16)), ...b.slice(at)]) };
    }
    case 'shuffle': {
      const at = int(Math.max(1, b.length - 8));
      const part = b.slice(at, at + 8).sort(() => rand() - 0.5);
      b.set(part, at);
      return { op, bytes: b };
    }
    case 'session-fn': {
      // the damage a fuzz run once got stored: the session ФН changed, the container intact
      const i = 8 + int(16);
      b[i] = rand() < 0.5 ? 0x30 + int(10) : int(256);
      return { op, bytes: b };
    }
    case 'container-fn':
      if (b.length > 48) b[30 + 9 + int(8)] = int(256);
      return { op, bytes: b };
    case 'fd-zero':
      if (b.length > 52) b.fill(0, 30 + 17, 30 + 21);
      return { op, bytes: b };
    case 'unchanged':
      return { op, bytes: b };
  }
}
