import { salesDocument } from '@openkassa/contracts';
import type { Database } from '@openkassa/db';
import type { ServerSchema } from '../schema.js';
import { compareAnchors, DocumentsDigest, Problems, verifyChain, type VerifyReport } from '../audit/index.js';
import { DOC_COLUMNS, documentRow, lineRows, payloadHash } from './sales.repo.js';

const PAGE = 2000;

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
 * Reads a page at a time; the database is not changed. The sales module owns the documents'
 * rows and their hash, so the check of the documents lives here; the chain is the audit log's.
 */
export async function verifyAudit(
  db: Database<ServerSchema>,
  opts: { store?: string; documents?: boolean } = {},
): Promise<VerifyReport> {
  const problems = new Problems();
  const chain = await verifyChain(db, problems);
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
        const say = (p: string) => problems.add({ where: r.id, store: r.store, problem: p });
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
    if (!opts.store) compareAnchors(chain.anchors, digests, problems);
  }
  return {
    ok: chain.firstBroken === null && problems.list.length === 0,
    entries: chain.entries,
    documents,
    head: chain.head,
    firstBroken: chain.firstBroken,
    problems: problems.list,
    moreProblems: problems.more,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
