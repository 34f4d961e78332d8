import type { Database } from '@openkassa/db';
import type { ServerSchema } from '../schema.js';

export interface WarnAge {
  readonly label: string;
  readonly seconds: number;
}

/** Default warnings: 24 hours and 5 days, long before a ФН blocks at 30 days. */
export const DEFAULT_WARN_AGES: readonly WarnAge[] = [
  { label: '24h', seconds: 24 * 3600 },
  { label: '5d', seconds: 5 * 24 * 3600 },
];

export interface FnBacklog {
  readonly fn: string;
  readonly unconfirmed: number;
  readonly documents: number;
  readonly oldestUnconfirmedAt: string | null;
  readonly oldestAgeSeconds: number | null;
  readonly lastSeenAt: string;
  /** The highest warning age passed, if any. */
  readonly warning: string | null;
}

export async function fnBacklog(
  db: Database<ServerSchema>,
  now: Date,
  ages: readonly WarnAge[],
  onlyUnconfirmed = false,
): Promise<FnBacklog[]> {
  let q = db.db
    .selectFrom('fiscal_messages')
    .select((eb) => [
      'fn',
      eb.fn.sum<number>(eb.case().when('state', '!=', 'answered').then(1).else(0).end()).as('unconfirmed'),
      eb.fn.countAll<number>().as('documents'),
      eb.fn
        .min(eb.case().when('state', '!=', 'answered').then(eb.ref('first_received_at')).end())
        .as('oldest'),
      eb.fn.max('last_seen_at').as('lastSeen'),
    ])
    .groupBy('fn')
    .orderBy('fn');
  if (onlyUnconfirmed)
    q = q.having((eb) => eb.fn.sum(eb.case().when('state', '!=', 'answered').then(1).else(0).end()), '>', 0);
  const rows = await q.execute();
  return rows.map((r) => {
    const oldest = r.oldest;
    const age = oldest ? Math.max(0, Math.floor((now.getTime() - Date.parse(oldest)) / 1000)) : null;
    const passed =
      age === null ? [] : ages.filter((a) => age >= a.seconds).sort((a, b) => b.seconds - a.seconds);
    return {
      fn: r.fn,
      unconfirmed: r.unconfirmed,
      documents: r.documents,
      oldestUnconfirmedAt: oldest,
      oldestAgeSeconds: age,
      lastSeenAt: r.lastSeen,
      warning: passed[0]?.label ?? null,
    };
  });
}
