import type { Database } from '@openkassa/db';
import type { ServerSchema } from '../schema.js';
import { entryHash, GENESIS, type DocumentsDigest } from './audit.chain.js';

export interface IntegrityProblem {
  /** `audit:<seq>` or the document id. */
  readonly where: string;
  readonly store?: string;
  readonly problem: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly entries: number;
  readonly documents: number;
  /** The last entry: keep its hash outside the server (printed, mailed) to catch a rewritten log. */
  readonly head: { seq: number; hash: string } | null;
  /** The first entry whose chain is broken, if any. */
  readonly firstBroken: { seq: number; reason: string } | null;
  /** Documents that no longer match their hash, their columns, their lines or their audit entry. */
  readonly problems: readonly IntegrityProblem[];
  readonly moreProblems: number;
}

const PAGE = 2000;
const MAX_PROBLEMS = 200;

/** The problems a check found: the first 200, and how many more. */
export class Problems {
  readonly list: IntegrityProblem[] = [];
  more = 0;

  add(p: IntegrityProblem): void {
    if (this.list.length < MAX_PROBLEMS) this.list.push(p);
    else this.more++;
  }
}

/** What the audit log says of itself, and the documents each of its entries records. */
export interface ChainCheck {
  readonly entries: number;
  readonly head: VerifyReport['head'];
  readonly firstBroken: VerifyReport['firstBroken'];
  /** Per entry that records documents (0: those stored before the log), their count and digest. */
  readonly anchors: ReadonlyMap<number, { count: number; digest: string }>;
}

/**
 * Checks the audit log's chain entry by entry, a page at a time; the database is not changed.
 * The documents the entries record are checked by their owner (the sales module's `verifyAudit`)
 * against `anchors`, with `compareAnchors`.
 */
export async function verifyChain(db: Database<ServerSchema>, problems: Problems): Promise<ChainCheck> {
  let firstBroken: VerifyReport['firstBroken'] = null;
  const anchors = new Map<number, { count: number; digest: string }>();
  let prev = GENESIS;
  let expected = 1;
  let entries = 0;
  let head: VerifyReport['head'] = null;
  for (;;) {
    const page = await db.db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>=', expected)
      .orderBy('seq')
      .limit(PAGE)
      .execute();
    for (const r of page) {
      const seq = r.seq;
      const fields = {
        seq,
        at: r.at,
        actor: r.actor,
        action: r.action,
        subject: r.subject,
        detailJson: r.detail_json,
      };
      const reason =
        seq !== expected
          ? `entry ${expected}${seq > expected + 1 ? `..${seq - 1}` : ''} missing`
          : r.prev_hash !== prev
            ? 'does not follow the entry before it (prev_hash)'
            : r.hash !== entryHash(prev, fields)
              ? 'its content does not match its hash'
              : null;
      if (reason && !firstBroken) firstBroken = { seq: reason.includes('missing') ? expected : seq, reason };
      if (reason) problems.add({ where: `audit:${seq}`, problem: reason });
      if (r.action === 'sales.stored' || r.action === 'audit.start') {
        try {
          const d = JSON.parse(r.detail_json) as { count: number; digest: string };
          // the first entry covers the documents stored before the log (audit_seq null)
          anchors.set(r.action === 'audit.start' ? 0 : seq, { count: d.count, digest: d.digest });
        } catch {
          problems.add({ where: `audit:${seq}`, problem: 'its detail is not JSON' });
        }
      }
      prev = r.hash;
      expected = seq + 1;
      entries++;
      head = { seq, hash: r.hash };
    }
    if (page.length < PAGE) break;
  }
  return { entries, head, firstBroken, anchors };
}

/** The documents found per audit entry against what each entry recorded. */
export function compareAnchors(
  anchors: ChainCheck['anchors'],
  digests: ReadonlyMap<number, DocumentsDigest>,
  problems: Problems,
): void {
  const name = (seq: number) =>
    seq === 0 ? 'documents stored before the audit log' : `documents of audit entry ${seq}`;
  for (const [seq, d] of digests) {
    const got = d.done();
    const want = anchors.get(seq);
    const at = name(seq);
    if (!want) problems.add({ where: `audit:${seq}`, problem: `${at}: no such entry records documents` });
    else if (want.count !== got.count)
      problems.add({ where: `audit:${seq}`, problem: `${at}: ${got.count} found, ${want.count} recorded` });
    else if (want.digest !== got.digest)
      problems.add({ where: `audit:${seq}`, problem: `${at}: changed since they were recorded` });
  }
  for (const [seq, want] of anchors)
    if (!digests.has(seq) && want.count > 0)
      problems.add({ where: `audit:${seq}`, problem: `${name(seq)}: 0 found, ${want.count} recorded` });
}
