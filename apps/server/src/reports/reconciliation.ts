import { sql, type SelectQueryBuilder } from 'kysely';
import type { Database } from '@openkassa/db';
import type { ServerSchema } from '../schema.js';
import type { Table } from './table.js';

export type GapKind =
  'not-at-relay' | 'no-till-document' | 'sum-mismatch' | 'not-confirmed' | 'held-for-review';

/** One thing missing or wrong somewhere between the till, the relay and the OFD. */
export interface Gap {
  readonly kind: GapKind;
  readonly fn: string;
  readonly fd: number;
  readonly store?: string;
  readonly till?: string;
  readonly number?: number;
  readonly tillTotal?: number;
  readonly fiscalTotal?: number | null;
  /** For an unconfirmed document: when the relay first had it. */
  readonly since?: string;
  readonly detail: string;
}

export interface Reconciliation {
  readonly counts: Record<GapKind, number>;
  /** Up to `limit` gaps of each kind, oldest first. */
  readonly gaps: Gap[];
}

const DETAIL: Record<GapKind, string> = {
  'not-at-relay': 'the till reported this fiscal receipt, but its fiscal document has not reached the relay',
  'no-till-document': 'a fiscal receipt came through the relay, but no till document for it has arrived',
  'sum-mismatch': "the till's total and the fiscal document's total differ",
  'not-confirmed': 'the OFD has not confirmed this fiscal document yet',
  'held-for-review':
    'the ККТ fiscalised this till document but it breaks a rule of the sales schema: stored and held for review',
};

/**
 * Reconciles the three records of every receipt: the till's document (sales ingest), the
 * fiscal document the ККТ sent through the relay, and the OFD's confirmation. Each list is an
 * anti-join on (ФН, ФД), so it stays cheap however many receipts agree.
 */
export async function reconcile(
  db: Database<ServerSchema>,
  opts: { store?: string; limit?: number } = {},
): Promise<Reconciliation> {
  const limit = opts.limit ?? 1000;
  const storeFilter = opts.store;
  // Till receipts with fiscal data and no fiscal document at the relay.
  let notAtRelay = db.db
    .selectFrom('all_sales_documents as s')
    .leftJoin('fiscal_messages as m', (j) => j.onRef('m.fn', '=', 's.fn').onRef('m.fd', '=', 's.fd'))
    .select(['s.fn', 's.fd', 's.store', 's.till', 's.number', 's.total'])
    .where('s.fn', 'is not', null)
    .where('s.kind', 'in', ['sale', 'return'])
    .where('m.fn', 'is', null);
  if (storeFilter) notAtRelay = notAtRelay.where('s.store', '=', storeFilter);
  // Fiscal receipts (sale / return of a sale) with no till document.
  const noTill = db.db
    .selectFrom('fiscal_documents as f')
    .leftJoin('all_sales_documents as s', (j) => j.onRef('s.fn', '=', 'f.fn').onRef('s.fd', '=', 'f.fd'))
    // a till document held for review has arrived: it is listed as such
    .leftJoin('sales_review as r', (j) => j.onRef('r.fn', '=', 'f.fn').onRef('r.fd', '=', 'f.fd'))
    .select(['f.fn', 'f.fd', 'f.total', 'f.received_at'])
    .where('f.form', '=', 3)
    .where('f.operation_type', 'in', [1, 2])
    .where('s.id', 'is', null)
    .where('r.id', 'is', null);
  let mismatch = db.db
    .selectFrom('all_sales_documents as s')
    .innerJoin('fiscal_documents as f', (j) => j.onRef('f.fn', '=', 's.fn').onRef('f.fd', '=', 's.fd'))
    .select(['s.fn', 's.fd', 's.store', 's.till', 's.number', 's.total', 'f.total as fiscalTotal'])
    .where('s.kind', 'in', ['sale', 'return'])
    .where(sql<boolean>`s.total <> f.total`);
  if (storeFilter) mismatch = mismatch.where('s.store', '=', storeFilter);
  const unconfirmed = db.db
    .selectFrom('fiscal_messages')
    .select(['fn', 'fd', 'first_received_at'])
    .where(sql<boolean>`state <> 'answered'`);
  let held = db.db.selectFrom('sales_review').select(['fn', 'fd', 'store', 'till', 'reason', 'received_at']);
  if (storeFilter) held = held.where('store', '=', storeFilter);

  const [a, b, c, d, e] = await Promise.all([
    notAtRelay.orderBy('s.fn').orderBy('s.fd').limit(limit).execute(),
    noTill.orderBy('f.fn').orderBy('f.fd').limit(limit).execute(),
    mismatch.orderBy('s.fn').orderBy('s.fd').limit(limit).execute(),
    unconfirmed.orderBy('first_received_at').limit(limit).execute(),
    held.orderBy('received_at').limit(limit).execute(),
  ]);
  const [nA, nB, nC, nD, nE] = await Promise.all([
    countRows(notAtRelay),
    countRows(noTill),
    countRows(mismatch),
    countRows(unconfirmed),
    countRows(held),
  ]);
  const counts: Record<GapKind, number> = {
    'not-at-relay': nA,
    'no-till-document': nB,
    'sum-mismatch': nC,
    'not-confirmed': nD,
    'held-for-review': nE,
  };
  const gaps: Gap[] = [
    ...a.map((r) => ({
      kind: 'not-at-relay' as const,
      fn: r.fn!,
      fd: r.fd!,
      store: r.store,
      till: r.till,
      number: r.number,
      tillTotal: r.total,
      detail: DETAIL['not-at-relay'],
    })),
    ...b.map((r) => ({
      kind: 'no-till-document' as const,
      fn: r.fn,
      fd: r.fd,
      fiscalTotal: r.total,
      since: r.received_at,
      detail: DETAIL['no-till-document'],
    })),
    ...c.map((r) => ({
      kind: 'sum-mismatch' as const,
      fn: r.fn!,
      fd: r.fd!,
      store: r.store,
      till: r.till,
      number: r.number,
      tillTotal: r.total,
      fiscalTotal: r.fiscalTotal,
      detail: DETAIL['sum-mismatch'],
    })),
    ...d.map((r) => ({
      kind: 'not-confirmed' as const,
      fn: r.fn,
      fd: r.fd,
      since: r.first_received_at,
      detail: DETAIL['not-confirmed'],
    })),
    ...e.map((r) => ({
      kind: 'held-for-review' as const,
      fn: r.fn,
      fd: r.fd,
      store: r.store,
      ...(r.till !== null && { till: r.till }),
      since: r.received_at,
      detail: `${DETAIL['held-for-review']}: ${r.reason}`,
    })),
  ];
  return { counts, gaps };
}

/** How many rows a list query would give, by the same joins and conditions. */
async function countRows<DB, TB extends keyof DB, O>(q: SelectQueryBuilder<DB, TB, O>): Promise<number> {
  const r = (await q
    .clearSelect()
    .select(sql<number | string>`count(*)`.as('n'))
    .executeTakeFirst()) as { n: number | string } | undefined;
  return Number(r?.n ?? 0);
}

/** The gaps as a table (CSV or workbook). */
export function gapsTable(gaps: readonly Gap[], name: string): Table {
  return {
    name,
    columns: ['kind', 'fn', 'fd', 'store', 'till', 'number', 'till_total', 'fiscal_total', 'since', 'detail'],
    rows: gaps.map((g) => [
      g.kind,
      g.fn,
      g.fd,
      g.store ?? '',
      g.till ?? '',
      g.number ?? null,
      g.tillTotal === undefined ? null : { money: g.tillTotal },
      g.fiscalTotal === undefined || g.fiscalTotal === null ? null : { money: g.fiscalTotal },
      g.since ?? '',
      g.detail,
    ]),
  };
}
