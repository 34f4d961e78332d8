import type { Database } from '@openkassa/db';
import { fiscalParams, type ItemResult } from '@openkassa/contracts';
import type { SalesReviewTable, ServerSchema } from '../schema.js';
import { auditHead, writeAuditEntry } from '../audit/index.js';
import { payloadHash } from './sales.repo.js';

/**
 * A document the ККТ has fiscalised — it carries a valid ФН and ФД — however it breaks the sales
 * schema: such a document happened (the buyer holds the receipt, the OFD has it) and must never be
 * refused, or it would vanish from every report. Undefined for anything else.
 */
export function fiscalisedKey(
  raw: unknown,
): Pick<SalesReviewTable, 'id' | 'store' | 'till' | 'kind' | 'fn' | 'fd'> | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const fiscal = fiscalParams.safeParse(r.fiscal);
  if (!fiscal.success) return undefined;
  const text = (v: unknown, max: number) =>
    typeof v === 'string' && v.length > 0 && v.length <= max ? v : null;
  const id = text(r.id, 64);
  const store = text(r.store, 64);
  if (id === null || store === null) return undefined;
  return {
    id,
    store,
    till: text(r.till, 64),
    kind: text(r.kind, 32),
    fn: fiscal.data.fn,
    fd: fiscal.data.fd,
  };
}

/**
 * Keeps a fiscalised document that broke a rule, as it came, with the reason: `stored` (so the
 * sender's outbox lets it go) with `review` set, `duplicate` when the same document is already
 * kept. On a store server it also waits for the head office, which keeps it the same way.
 */
export async function keepForReview(
  db: Database<ServerSchema>,
  raw: unknown,
  reason: string,
  now: string,
  forwardUpstream: boolean,
): Promise<ItemResult | undefined> {
  const key = fiscalisedKey(raw);
  if (!key) return undefined;
  const json = JSON.stringify(raw);
  const hash = payloadHash(json);
  return db.transaction(async (tx) => {
    const old = await tx.db
      .selectFrom('sales_review')
      .select('payload_hash')
      .where('id', '=', key.id)
      .executeTakeFirst();
    if (old)
      return old.payload_hash === hash
        ? { id: key.id, status: 'duplicate', review: reason }
        : { id: key.id, status: 'rejected', reason: `id ${key.id} is already used by a different document` };
    await tx.db
      .insertInto('sales_review')
      .values({
        ...key,
        reason,
        payload_json: json,
        payload_hash: hash,
        received_at: now,
        upstream_state: forwardUpstream ? 'pending' : null,
      })
      .execute();
    const head = await auditHead(tx, db.dialect);
    await writeAuditEntry(
      tx.db,
      head,
      {
        actor: 'system',
        action: 'sales.review',
        subject: key.store,
        detail: {
          id: key.id,
          till: key.till,
          kind: key.kind,
          fn: key.fn,
          fd: key.fd,
          reason,
          payloadHash: hash,
        },
      },
      now,
    );
    return { id: key.id, status: 'stored', review: reason };
  });
}

/** How many documents are held for review (of one store, or all), for /metrics and the list. */
export async function reviewCount(db: Database<ServerSchema>, store?: string): Promise<number> {
  let q = db.db.selectFrom('sales_review').select((eb) => eb.fn.countAll<number | string>().as('n'));
  if (store !== undefined) q = q.where('store', '=', store);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

/** The documents held for review, newest first, and how many there are (of one store, or all). */
export async function heldForReview(
  db: Database<ServerSchema>,
  limit: number,
  store?: string,
): Promise<{
  count: number;
  documents: {
    id: string;
    store: string;
    till: string | null;
    kind: string | null;
    fn: string;
    fd: number;
    reason: string;
    receivedAt: string;
    document: unknown;
  }[];
}> {
  let q = db.db.selectFrom('sales_review').selectAll();
  if (store !== undefined) q = q.where('store', '=', store);
  const [rows, count] = await Promise.all([
    q.orderBy('received_at', 'desc').limit(limit).execute(),
    reviewCount(db, store),
  ]);
  return {
    count,
    documents: rows.map((r) => ({
      id: r.id,
      store: r.store,
      till: r.till,
      kind: r.kind,
      fn: r.fn,
      fd: r.fd,
      reason: r.reason,
      receivedAt: r.received_at,
      document: JSON.parse(r.payload_json) as unknown,
    })),
  };
}
