import { salesDocument } from '@openkassa/contracts';
import type { Database } from '@openkassa/db';
import type { ServerSchema } from '../schema.js';
import { DOC_COLUMNS, documentRow, lineRows, payloadHash } from '../sales/sales.repo.js';
import { DocumentsDigest, entryHash, GENESIS } from './audit.chain.js';

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

/** Compared between a document's row and the row its stored form gives (all but the stored form itself). */
const CHECKED = DOC_COLUMNS.filter(
  (
    c,
  ): c is Exclude<
    (typeof DOC_COLUMNS)[number],
    'id' | 'payload_hash' | 'payload_json' | 'received_at' | 'audit_seq'
  > => !['id', 'payload_hash', 'payload_json', 'received_at', 'audit_seq'].includes(c),
);

/**
 * Checks the audit log's chain entry by entry, then every till document (live and archived)
 * against its content hash, its own columns and lines, and the audit entry that recorded it.
 * Reads a page at a time; the database is not changed.
 */
export async function verifyAudit(
  db: Database<ServerSchema>,
  opts: { store?: string; documents?: boolean } = {},
): Promise<VerifyReport> {
  const problems: IntegrityProblem[] = [];
  let more = 0;
  const problem = (p: IntegrityProblem) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
    else more++;
  };
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
      if (reason) problem({ where: `audit:${seq}`, problem: reason });
      if (r.action === 'sales.stored' || r.action === 'audit.start') {
        try {
          const d = JSON.parse(r.detail_json) as { count: number; digest: string };
          // the first entry covers the documents stored before the log (audit_seq null)
          anchors.set(r.action === 'audit.start' ? 0 : seq, { count: d.count, digest: d.digest });
        } catch {
          problem({ where: `audit:${seq}`, problem: 'its detail is not JSON' });
        }
      }
      prev = r.hash;
      expected = seq + 1;
      entries++;
      head = { seq, hash: r.hash };
    }
    if (page.length < PAGE) break;
  }
  let documents = 0;
  if (opts.documents !== false) {
    const digests = new Map<number, DocumentsDigest>();
    let after = '';
    for (;;) {
      let sel = db.db
        .selectFrom('all_sales_documents')
        .selectAll()
        .where('id', '>', after)
        .orderBy('id')
        .limit(PAGE);
      if (opts.store) sel = sel.where('store', '=', opts.store);
      const page = await sel.execute();
      if (page.length === 0) break;
      const lines = new Map<string, Record<string, unknown>[]>();
      const ids = page.map((r) => r.id);
      for (let i = 0; i < ids.length; i += 500) {
        const rows = await db.db
          .selectFrom('all_sales_lines')
          .selectAll()
          .where('doc_id', 'in', ids.slice(i, i + 500))
          .execute();
        for (const l of rows) {
          const list = lines.get(l.doc_id) ?? [];
          list.push(l);
          lines.set(l.doc_id, list);
        }
      }
      for (const r of page) {
        documents++;
        const seq = r.audit_seq ?? 0;
        let d = digests.get(seq);
        if (!d) digests.set(seq, (d = new DocumentsDigest()));
        d.add(r.id, r.payload_hash);
        const say = (p: string) => problem({ where: r.id, store: r.store, problem: p });
        if (payloadHash(r.payload_json) !== r.payload_hash) {
          say('its stored form does not match its content hash');
          continue;
        }
        const parsed = salesDocument.safeParse(safeJson(r.payload_json));
        if (!parsed.success) {
          say('its stored form is not a valid document');
          continue;
        }
        const want = documentRow(parsed.data, r.payload_json, r.payload_hash, r.received_at);
        const differs = CHECKED.filter((c) => String(want[c]) !== String(r[c]));
        if (differs.length > 0) say(`${differs.join(', ')} differ from the stored document`);
        const got = (lines.get(r.id) ?? []).sort((a, b) => Number(a.line_no) - Number(b.line_no));
        const wantLines = lineRows(parsed.data);
        if (
          got.length !== wantLines.length ||
          wantLines.some((w, i) =>
            (Object.keys(w) as (keyof typeof w)[]).some((k) => String(w[k]) !== String(got[i]![k])),
          )
        )
          say('its lines differ from the stored document');
      }
      after = page.at(-1)!.id;
      if (page.length < PAGE) break;
    }
    // With a store filter only the chain is complete; the digests cover whole commits.
    if (!opts.store) {
      for (const [seq, d] of digests) {
        const got = d.done();
        const want = anchors.get(seq);
        const at = seq === 0 ? 'documents stored before the audit log' : `documents of audit entry ${seq}`;
        if (!want) problem({ where: `audit:${seq}`, problem: `${at}: no such entry records documents` });
        else if (want.count !== got.count)
          problem({ where: `audit:${seq}`, problem: `${at}: ${got.count} found, ${want.count} recorded` });
        else if (want.digest !== got.digest)
          problem({ where: `audit:${seq}`, problem: `${at}: changed since they were recorded` });
      }
      for (const [seq, want] of anchors)
        if (!digests.has(seq) && want.count > 0)
          problem({
            where: `audit:${seq}`,
            problem: `${seq === 0 ? 'documents stored before the audit log' : `documents of audit entry ${seq}`}: 0 found, ${want.count} recorded`,
          });
    }
  }
  return {
    ok: firstBroken === null && problems.length === 0,
    entries,
    documents,
    head,
    firstBroken,
    problems,
    moreProblems: more,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
