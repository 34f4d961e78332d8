import { sql, type Kysely } from 'kysely';
import type { Database, Tx } from '@openkassa/db';
import type { ServerSchema } from '../schema.js';
import { entryHash } from './audit.chain.js';

/** One on PostgreSQL for every writer of the log: entries are numbered and chained one at a time. */
const AUDIT_LOCK = 0x0a7d17;

/** Who did it: `user:<id>`, `device:<id>`, `system`, or `anonymous` (a failed login). */
export interface AuditInput {
  readonly actor: string;
  readonly action: string;
  readonly subject?: string;
  readonly detail?: Record<string, unknown>;
}

export interface AuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly detail: unknown;
  readonly hash: string;
}

/** The chain's head, locked for this transaction: the next entry's number and its predecessor. */
export async function auditHead(
  tx: Tx<ServerSchema>,
  dialect: string,
): Promise<{ seq: number; hash: string }> {
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`.execute(tx.db);
  const head = await tx.db
    .selectFrom('audit_log')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  // the log always has its first entry (written by the migration)
  return head ? { seq: head.seq, hash: head.hash } : { seq: 0, hash: '0'.repeat(64) };
}

/** Writes the entry after `head` (from `auditHead` in the same transaction). */
export async function writeAuditEntry(
  db: Kysely<ServerSchema>,
  head: { seq: number; hash: string },
  e: AuditInput,
  at: string,
): Promise<number> {
  const seq = head.seq + 1;
  const fields = {
    seq,
    at,
    actor: e.actor,
    action: e.action,
    subject: e.subject ?? '',
    detailJson: JSON.stringify(e.detail ?? {}),
  };
  await db
    .insertInto('audit_log')
    .values({
      seq,
      at,
      actor: fields.actor,
      action: fields.action,
      subject: fields.subject,
      detail_json: fields.detailJson,
      prev_hash: head.hash,
      hash: entryHash(head.hash, fields),
    })
    .execute();
  return seq;
}

/** Appends one entry in the caller's transaction. */
export async function appendAudit(tx: Tx<ServerSchema>, dialect: string, e: AuditInput, at: string) {
  return writeAuditEntry(tx.db, await auditHead(tx, dialect), e, at);
}

/** Appends one entry in a transaction of its own. */
export function audit(db: Database<ServerSchema>, e: AuditInput, at: string): Promise<number> {
  return db.transaction((tx) => appendAudit(tx, db.dialect, e, at));
}

/** Entries newest first, optionally of one action, before a sequence number (paging). */
export async function listAudit(
  db: Database<ServerSchema>,
  q: { action?: string; before?: number; limit: number },
): Promise<AuditEntry[]> {
  let sel = db.db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(q.limit);
  if (q.action) sel = sel.where('action', '=', q.action);
  if (q.before !== undefined) sel = sel.where('seq', '<', q.before);
  return (await sel.execute()).map((r) => ({
    seq: r.seq,
    at: r.at,
    actor: r.actor,
    action: r.action,
    subject: r.subject,
    detail: JSON.parse(r.detail_json) as unknown,
    hash: r.hash,
  }));
}
