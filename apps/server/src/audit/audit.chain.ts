import { createHash } from 'node:crypto';

/** The hash before the first entry. */
export const GENESIS = '0'.repeat(64);

export interface ChainFields {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  /** Exactly as stored (JSON text): the hash covers these bytes. */
  readonly detailJson: string;
}

/** An entry's hash: its fields and the hash of the entry before it. */
export function entryHash(prev: string, e: ChainFields): string {
  return createHash('sha256')
    .update([prev, e.seq, e.at, e.actor, e.action, e.subject, e.detailJson].join('\n'))
    .digest('hex');
}

const MOD = 1n << 512n;

/**
 * What an audit entry records of the sales documents stored with it: their number and a hash of
 * the set of their ids and content hashes (the sum of each one's SHA-512, modulo 2^512, so the
 * documents can be read back in any order, a page at a time). Changing, adding or removing any
 * of them afterwards no longer matches the entry, and the entry cannot change without breaking
 * the chain.
 */
export class DocumentsDigest {
  #sum = 0n;
  #count = 0;

  add(id: string, payloadHash: string): void {
    const h = createHash('sha512').update(`${id}:${payloadHash}`).digest('hex');
    this.#sum = (this.#sum + BigInt(`0x${h}`)) % MOD;
    this.#count++;
  }

  done(): { count: number; digest: string } {
    return { count: this.#count, digest: this.#sum.toString(16).padStart(128, '0') };
  }
}

export function documentsDigest(docs: readonly { id: string; payloadHash: string }[]) {
  const d = new DocumentsDigest();
  for (const x of docs) d.add(x.id, x.payloadHash);
  return d.done();
}
