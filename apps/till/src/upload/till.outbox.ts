import type { Database } from '@openkassa/db';
import type { ItemAck, Outbox, OutboxItem } from '@openkassa/runtime';
import type { TillSchema } from '../schema.js';

/** The till's upload queue: finished documents in their till order, until the server has them. */
export function tillOutbox(
  db: Database<TillSchema>,
): Outbox & { count(): Promise<number>; rejected(): Promise<number> } {
  const countWhere = async (state: 'pending' | 'rejected') => {
    const r = await db.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('state', '=', state)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  };
  return {
    async pending(limit: number): Promise<OutboxItem[]> {
      const rows = await db.db
        .selectFrom('outbox as o')
        .innerJoin('documents as d', 'd.id', 'o.doc_id')
        .select(['d.id', 'd.doc_json'])
        .where('o.state', '=', 'pending')
        .orderBy('o.seq')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ id: r.id, document: JSON.parse(r.doc_json ?? 'null') as unknown }));
    },
    async settle(acks: readonly ItemAck[]): Promise<void> {
      await db.transaction(async (tx) => {
        for (const a of acks)
          await tx.db
            .updateTable('outbox')
            .set({
              state: a.status === 'rejected' ? 'rejected' : 'sent',
              last_error: a.status === 'rejected' ? (a.reason ?? 'rejected') : null,
            })
            .where('doc_id', '=', a.id)
            .execute();
      });
    },
    count: () => countWhere('pending'),
    rejected: () => countWhere('rejected'),
  };
}
