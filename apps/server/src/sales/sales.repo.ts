import { createHash } from 'node:crypto';
import type { Database, Tx } from '@openkassa/db';
import type { ItemResult, SalesDocument } from '@openkassa/contracts';
import type { ServerSchema } from '../schema.js';
import { addToRollups } from './sales.rollup.js';
import { insertMany } from './bulk.js';
import { archivedHashes, type SalesArchive } from './sales.archive.js';
import { auditHead, writeAuditEntry, type AuditInput } from '../audit/index.js';
import { documentsDigest } from '../audit/index.js';

/** The columns of `sales_documents`, in the table's order. */
export const DOC_COLUMNS = [
  'id',
  'store',
  'till',
  'kind',
  'at',
  'day',
  'shift',
  'number',
  'cashier',
  'total',
  'cash',
  'card',
  'original_id',
  'fn',
  'fd',
  'payload_hash',
  'payload_json',
  'received_at',
  'audit_seq',
] as const;
const LINE_COLUMNS = [
  'doc_id',
  'line_no',
  'product_id',
  'barcode',
  'name',
  'quantity',
  'price',
  'sum',
  'vat',
] as const;

/** The stored form of a document: what every level hashes and forwards, byte for byte. */
export function canonicalJson(d: SalesDocument): string {
  return JSON.stringify(d);
}

export function payloadHash(json: string): string {
  return createHash('sha256').update(json).digest('hex');
}

/** A document's row in `sales_documents`: its columns for reports and lookups, and its stored form. */
export function documentRow(
  d: SalesDocument,
  json: string,
  hash: string,
  receivedAt: string,
  auditSeq: number | null = null,
) {
  return {
    id: d.id,
    store: d.store,
    till: d.till,
    kind: d.kind,
    at: d.at,
    day: d.at.slice(0, 10),
    shift: d.shift,
    number: d.number,
    cashier: d.cashier,
    total: d.total,
    cash: d.payments.cash,
    card: d.payments.card,
    original_id: d.originalId ?? null,
    fn: d.fiscal?.fn ?? null,
    fd: d.fiscal?.fd ?? null,
    payload_hash: hash,
    payload_json: json,
    received_at: receivedAt,
    audit_seq: auditSeq,
  };
}

/** A document's rows in `sales_lines`. */
export const lineRows = (d: SalesDocument) =>
  d.lines.map((l, i) => ({
    doc_id: d.id,
    line_no: i + 1,
    product_id: l.productId ?? null,
    barcode: l.barcode ?? null,
    name: l.name,
    quantity: l.quantity,
    price: l.price,
    sum: l.sum,
    vat: l.vat,
  }));

/**
 * Stores documents once per id, with their lines and (on a store server) their outbox rows for
 * the head office, all in the caller's transaction, with a few multi-row statements per call
 * whatever the number of documents. A re-sent id is a duplicate if it carries the same
 * document, and rejected if it carries a different one; neither changes anything. Ids are
 * looked up in the archive too, so a till re-sending a long-archived document changes nothing.
 */
export async function storeSalesDocuments(
  tx: Tx<ServerSchema>,
  docs: readonly SalesDocument[],
  now: string,
  forwardUpstream: boolean,
  archive: SalesArchive,
): Promise<ItemResult[]> {
  const prepared = docs.map((d) => {
    const json = canonicalJson(d);
    return { d, json, hash: payloadHash(json) };
  });
  // The first of several copies of one id in this call is the one stored.
  const first = new Map<string, (typeof prepared)[number]>();
  for (const p of prepared) if (!first.has(p.d.id)) first.set(p.d.id, p);
  const archived = await archivedHashes(tx, archive, [...first.keys()]);
  const candidates = [...first.values()].filter((c) => !archived.has(c.d.id));
  const inserted = new Set<string>();
  // The documents stored here are recorded by the next audit entry, in this transaction.
  const head = await auditHead(tx, archive.dialect);
  const docRows = candidates.map(({ d, json, hash }) => documentRow(d, json, hash, now, head.seq + 1));
  const stored = await insertMany<{ id: string }>(
    tx,
    archive.dialect,
    'sales_documents',
    DOC_COLUMNS,
    docRows,
    'on conflict (id) do nothing returning id',
  );
  for (const r of stored) inserted.add(r.id);
  const fresh = candidates.filter((c) => inserted.has(c.d.id));
  if (fresh.length > 0) await writeAuditEntry(tx.db, head, storedEntry(fresh), now);
  const lines = fresh.flatMap(({ d }) => lineRows(d));
  await insertMany(tx, archive.dialect, 'sales_lines', LINE_COLUMNS, lines);
  await addToRollups(
    tx,
    archive.dialect,
    fresh.map((f) => f.d),
  );
  if (forwardUpstream && fresh.length > 0)
    await insertMany(
      tx,
      archive.dialect,
      'sales_outbox',
      ['doc_id', 'queued_at', 'state', 'attempts', 'last_error'],
      fresh.map(({ d }) => ({
        doc_id: d.id,
        queued_at: now,
        state: 'pending',
        attempts: 0,
        last_error: null,
      })),
    );
  // Ids that were already stored: the same document again, or a different one under its id.
  const known = new Map<string, string>(archived);
  const old = candidates.filter((c) => !inserted.has(c.d.id)).map((c) => c.d.id);
  for (let i = 0; i < old.length; i += 500) {
    const rows = await tx.db
      .selectFrom('sales_documents')
      .select(['id', 'payload_hash'])
      .where('id', 'in', old.slice(i, i + 500))
      .execute();
    for (const r of rows) known.set(r.id, r.payload_hash);
  }
  const storedNow = new Set<string>();
  return prepared.map(({ d, hash }): ItemResult => {
    if (inserted.has(d.id) && !storedNow.has(d.id) && first.get(d.id)?.hash === hash) {
      storedNow.add(d.id);
      return { id: d.id, status: 'stored' };
    }
    const existing = known.get(d.id) ?? first.get(d.id)?.hash;
    return existing === hash
      ? { id: d.id, status: 'duplicate' }
      : { id: d.id, status: 'rejected', reason: `id ${d.id} is already used by a different document` };
  });
}

/**
 * The audit entry of documents stored together: how many and their digest, and by name the
 * ones loss prevention looks at (returns, voids, documents a supervisor approved).
 */
function storedEntry(fresh: readonly { d: SalesDocument; hash: string }[]): AuditInput {
  const flagged = fresh
    .filter(({ d }) => d.kind === 'return' || d.kind === 'void' || d.approval !== undefined)
    .map(({ d }) => ({
      id: d.id,
      kind: d.kind,
      store: d.store,
      till: d.till,
      cashier: d.cashier,
      total: d.total,
      ...(d.approval && { approvedBy: d.approval.by }),
    }));
  const stores = [...new Set(fresh.map(({ d }) => d.store))];
  return {
    actor: 'system',
    action: 'sales.stored',
    subject: stores.length === 1 ? stores[0]! : stores.join(','),
    detail: {
      ...documentsDigest(fresh.map(({ d, hash }) => ({ id: d.id, payloadHash: hash }))),
      ...(flagged.length > 0 && { flagged }),
    },
  };
}

/** A store's documents as they were stored (live and archived), in till and number order. */
export async function storedDocuments(
  db: Database<ServerSchema>,
  q: { store: string; limit: number; till?: string; day?: string },
): Promise<Record<string, unknown>[]> {
  let sel = db.db
    .selectFrom('all_sales_documents')
    .select(['payload_json', 'received_at'])
    .where('store', '=', q.store)
    .orderBy('till')
    .orderBy('number')
    .limit(q.limit);
  if (q.till) sel = sel.where('till', '=', q.till);
  if (q.day) sel = sel.where('day', '=', q.day);
  const rows = await sel.execute();
  return rows.map((r) => ({
    ...(JSON.parse(r.payload_json) as Record<string, unknown>),
    receivedAt: r.received_at,
  }));
}
