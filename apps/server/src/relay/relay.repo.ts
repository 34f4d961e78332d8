import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import { prepare, type Database, type Tx } from '@openkassa/db';
import type { FiscalDocument } from '@openkassa/fiscal';
import type { EarlyConnection } from '@openkassa/ofd-net';
import { recordDocument } from '../fiscal/index.js';
import type { ServerSchema } from '../schema.js';

/**
 * "Not answered yet", written as a literal so SQLite and PostgreSQL match it to the partial
 * index of pending rows (a bound parameter would not match).
 */
const PENDING = sql<boolean>`state <> 'answered'`;

export interface IncomingMessage {
  readonly fn: string;
  readonly fd: number;
  readonly form: number;
  readonly bytes: Uint8Array;
  /** The plaintext document, when the body is not encrypted. */
  readonly document?: FiscalDocument;
}

export type StoreOutcome =
  { readonly kind: 'new' } | { readonly kind: 'known'; readonly answer?: Uint8Array };

/**
 * Stores a message durably, once per (ФН, ФД). A repeat only counts and, if the OFD has already
 * answered, returns the stored answer for the ККТ. A new plaintext document is marked `unparsed`:
 * it is written into the central database by `recordParsed` in a later commit, once the message
 * is on its way upstream (see `unparsedMessages` for what a crash in between leaves).
 */
export async function storeIncoming(
  tx: Tx<ServerSchema>,
  m: IncomingMessage,
  now: string,
  /** Claim a new message for this node at once: it goes straight to this node's forwarder. */
  claim?: { node: string; until: string },
): Promise<StoreOutcome> {
  const inserted = await insertMessage(tx.db, {
    fn: m.fn,
    fd: m.fd,
    form: m.form,
    message: m.bytes,
    now,
    claimedBy: claim?.node ?? null,
    claimedUntil: claim?.until ?? null,
    unparsed: m.document ? 1 : null,
  });
  if (inserted.rows.length > 0) return { kind: 'new' };
  const existing = (await touchMessage(tx.db, { fn: m.fn, fd: m.fd, now })).rows[0];
  if (!existing) throw new Error(`ФН ${m.fn} ФД ${m.fd}: neither stored nor found`);
  return existing.answer ? { kind: 'known', answer: new Uint8Array(existing.answer) } : { kind: 'known' };
}

/** "Stored, not yet in the central database", as a literal so the partial index matches. */
const UNPARSED = sql<boolean>`unparsed = 1`;

// The relay's statements for every document, built once (see `prepare`).
const insertMessage = prepare(
  (
    db: Kysely<ServerSchema>,
    v: {
      fn: string;
      fd: number;
      form: number;
      message: Uint8Array;
      now: string;
      claimedBy: string | null;
      claimedUntil: string | null;
      unparsed: 1 | null;
    },
  ) =>
    db
      .insertInto('fiscal_messages')
      .values({
        fn: v.fn,
        fd: v.fd,
        form: v.form,
        message: v.message,
        first_received_at: v.now,
        last_seen_at: v.now,
        times_received: 1,
        state: 'received',
        attempts: 0,
        next_attempt_at: v.now,
        claimed_by: v.claimedBy,
        claimed_until: v.claimedUntil,
        forwarded_at: null,
        answer: null,
        answer_code: null,
        answered_at: null,
        last_error: null,
        unparsed: v.unparsed,
      })
      .onConflict((oc) => oc.columns(['fn', 'fd']).doNothing())
      .returning('fd'),
);

const touchMessage = prepare((db: Kysely<ServerSchema>, v: { fn: string; fd: number; now: string }) =>
  db
    .updateTable('fiscal_messages')
    .set((eb) => ({ times_received: eb('times_received', '+', 1), last_seen_at: v.now }))
    .where('fn', '=', v.fn)
    .where('fd', '=', v.fd)
    .returning(['answer']),
);

const clearUnparsed = prepare((db: Kysely<ServerSchema>, v: { fn: string; fd: number }) =>
  db
    .updateTable('fiscal_messages')
    .set({ unparsed: null })
    .where('fn', '=', v.fn)
    .where('fd', '=', v.fd)
    .where(UNPARSED),
);

const answerMessage = prepare((db: Kysely<ServerSchema>, v: AnswerRecord) =>
  db
    .updateTable('fiscal_messages')
    .set((eb) => ({
      state: 'answered',
      answer: v.answer,
      answer_code: v.code,
      answered_at: v.now,
      forwarded_at: v.now,
      attempts: eb('attempts', '+', 1),
      claimed_by: null,
      claimed_until: null,
      last_error: null,
    }))
    .where('fn', '=', v.fn)
    .where('fd', '=', v.fd)
    .where('state', '!=', 'answered'),
);

export interface ParsedRecord {
  readonly fn: string;
  readonly fd: number;
  readonly document: FiscalDocument;
  /** When the relay first received it. */
  readonly receivedAt: string;
}

/**
 * Writes a stored plaintext document into the central database (once: a second call finds it
 * there and adds nothing) and clears its `unparsed` mark; runs inside a (group) transaction.
 */
export async function recordParsed(tx: Tx<ServerSchema>, p: ParsedRecord): Promise<void> {
  await recordDocument(tx.db, p.fn, p.fd, p.document, p.receivedAt);
  await clearUnparsed(tx.db, p);
}

/**
 * Stored messages still marked `unparsed`: those whose parse was queued when the process died
 * (or whose parse commit failed). Read through the partial index, so it costs nothing when the
 * mark is clear everywhere.
 */
export async function unparsedMessages(
  db: Database<ServerSchema>,
  limit: number,
  after?: { fn: string; fd: number },
): Promise<{ fn: string; fd: number; message: Uint8Array; receivedAt: string }[]> {
  let q = db.db
    .selectFrom('fiscal_messages')
    .select(['fn', 'fd', 'message', 'first_received_at'])
    .where(UNPARSED);
  if (after) q = q.where((eb) => eb(eb.refTuple('fn', 'fd'), '>', eb.tuple(after.fn, after.fd)));
  const rows = await q.orderBy('fn').orderBy('fd').limit(limit).execute();
  return rows.map((r) => ({
    fn: r.fn,
    fd: r.fd,
    message: new Uint8Array(r.message),
    receivedAt: r.first_received_at,
  }));
}

/** The message is one of `keys` (non-empty). */
const keyIn =
  (keys: readonly { fn: string; fd: number }[]) => (eb: ExpressionBuilder<ServerSchema, 'fiscal_messages'>) =>
    eb(
      eb.refTuple('fn', 'fd'),
      'in',
      keys.map((k) => eb.tuple(k.fn, k.fd)),
    );

/** No node holds the message: never claimed, released, or its claim lapsed by `now`. */
const unclaimedAt = (now: string) => (eb: ExpressionBuilder<ServerSchema, 'fiscal_messages'>) =>
  eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]);

export interface Claimed {
  readonly fn: string;
  readonly fd: number;
  readonly message: Uint8Array;
  readonly attempts: number;
  /** Until when this node's claim holds it, when it has one. */
  readonly claimedUntil?: string;
  /** A connection to the upstream opened while the message was being stored. */
  readonly early?: EarlyConnection;
}

/**
 * Claims due, unanswered messages for this node until `leaseUntil`. On PostgreSQL rows another
 * node is claiming are skipped (FOR UPDATE SKIP LOCKED); SQLite's write lock serialises claims.
 */
export async function claimDue(
  db: Database<ServerSchema>,
  node: string,
  now: string,
  leaseUntil: string,
  limit: number,
): Promise<Claimed[]> {
  return db.transaction(async (tx) => {
    let q = tx.db
      .selectFrom('fiscal_messages')
      .select(['fn', 'fd', 'message', 'attempts'])
      .where(PENDING)
      .where('next_attempt_at', '<=', now)
      .where(unclaimedAt(now))
      .orderBy('next_attempt_at')
      .limit(limit);
    if (db.dialect === 'postgres') q = q.forUpdate().skipLocked();
    const rows = await q.execute();
    if (rows.length === 0) return [];
    for (const r of rows) {
      await tx.db
        .updateTable('fiscal_messages')
        .set({ claimed_by: node, claimed_until: leaseUntil })
        .where('fn', '=', r.fn)
        .where('fd', '=', r.fd)
        .execute();
    }
    return rows.map((r) => ({
      fn: r.fn,
      fd: r.fd,
      message: new Uint8Array(r.message),
      attempts: r.attempts,
      claimedUntil: leaseUntil,
    }));
  });
}

/**
 * Claims these messages for `node` again until `leaseUntil`: those still unanswered that it
 * holds, or that nobody holds (never claimed, released, or the claim lapsed by `now`). One that
 * another node claimed meanwhile is left to it. Returns the keys claimed.
 */
export async function reclaim(
  db: Database<ServerSchema>,
  node: string,
  keys: readonly { fn: string; fd: number }[],
  now: string,
  leaseUntil: string,
): Promise<{ fn: string; fd: number }[]> {
  if (keys.length === 0) return [];
  return db.db
    .updateTable('fiscal_messages')
    .set({ claimed_by: node, claimed_until: leaseUntil })
    .where(keyIn(keys))
    .where(PENDING)
    .where((eb) => eb.or([eb('claimed_by', '=', node), unclaimedAt(now)(eb)]))
    .returning(['fn', 'fd'])
    .execute();
}

/**
 * Due, unanswered messages not already in flight here, for a single process (SQLite): a read,
 * no write, no claims of its own. It skips a message still held by the claim it was stored with:
 * its store has not yet returned and handed it to the forwarder, and a scan between its commit
 * (visible) and that hand-over (on SQLite the sync runs meanwhile) would send it a second time.
 */
export async function dueMessages(
  db: Database<ServerSchema>,
  now: string,
  limit: number,
  inFlight: ReadonlySet<string>,
): Promise<Claimed[]> {
  const rows = await db.db
    .selectFrom('fiscal_messages')
    .select(['fn', 'fd', 'message', 'attempts'])
    .where(PENDING)
    .where('next_attempt_at', '<=', now)
    .where(unclaimedAt(now))
    .orderBy('next_attempt_at')
    .limit(limit + inFlight.size)
    .execute();
  return rows
    .filter((r) => !inFlight.has(`${r.fn}/${r.fd}`))
    .slice(0, limit)
    .map((r) => ({ fn: r.fn, fd: r.fd, message: new Uint8Array(r.message), attempts: r.attempts }));
}

export interface AnswerRecord {
  readonly fn: string;
  readonly fd: number;
  readonly answer: Uint8Array;
  readonly code: number | null;
  readonly now: string;
}

/** Stores the OFD's answer; runs inside a (group) transaction. */
export async function recordAnswer(tx: Tx<ServerSchema>, a: AnswerRecord): Promise<void> {
  await answerMessage(tx.db, a);
}

export interface FailureRecord {
  readonly fn: string;
  readonly fd: number;
  readonly sent: boolean;
  readonly error: string;
  readonly nextAttemptAt: string;
  readonly now: string;
}

/** Records a failed delivery and when to try again; runs inside a (group) transaction. */
export async function recordFailure(tx: Tx<ServerSchema>, f: FailureRecord): Promise<void> {
  await tx.db
    .updateTable('fiscal_messages')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      last_error: f.error,
      next_attempt_at: f.nextAttemptAt,
      claimed_by: null,
      claimed_until: null,
      ...(f.sent && { state: 'forwarded' as const, forwarded_at: f.now }),
    }))
    .where('fn', '=', f.fn)
    .where('fd', '=', f.fd)
    .where('state', '!=', 'answered')
    .execute();
}

/** Answers stored (by any node) for these keys. */
export async function storedAnswers(
  db: Database<ServerSchema>,
  keys: readonly { fn: string; fd: number }[],
): Promise<{ fn: string; fd: number; answer: Uint8Array }[]> {
  if (keys.length === 0) return [];
  const rows = await db.db
    .selectFrom('fiscal_messages')
    .select(['fn', 'fd', 'answer'])
    .where('state', '=', 'answered')
    .where(keyIn(keys))
    .execute();
  return rows
    .filter((r) => r.answer !== null)
    .map((r) => ({ fn: r.fn, fd: r.fd, answer: new Uint8Array(r.answer!) }));
}

/**
 * Releases claims a killed run of this node left behind, so its documents need not wait for
 * the lease to lapse. On SQLite one process owns the database, so every claim is released.
 */
export async function releaseClaims(db: Database<ServerSchema>, node: string): Promise<void> {
  let q = db.db
    .updateTable('fiscal_messages')
    .set({ claimed_by: null, claimed_until: null })
    .where('claimed_by', 'is not', null);
  if (db.dialect === 'postgres') q = q.where('claimed_by', '=', node);
  await q.execute();
}
