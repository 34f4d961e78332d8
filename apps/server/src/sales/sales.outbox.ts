import type { Database } from '@openkassa/db';
import type { ItemAck, Outbox, OutboxItem } from '@openkassa/runtime';
import type { ServerSchema } from '../schema.js';

/** The store server's outbox of sales documents for its head office. */
export function serverSalesOutbox(db: Database<ServerSchema>): Outbox & { count(): Promise<number> } {
  return {
    async pending(limit: number): Promise<OutboxItem[]> {
      const rows = await db.db
        .selectFrom('sales_outbox as o')
        .innerJoin('sales_documents as d', 'd.id', 'o.doc_id')
        .select(['d.id', 'd.payload_json'])
        .where('o.state', '=', 'pending')
        .orderBy('o.queued_at')
        .orderBy('o.doc_id')
        .limit(limit)
        .execute();
      // fiscalised documents held for review go up as they came
      const held =
        rows.length < limit
          ? await db.db
              .selectFrom('sales_review')
              .select(['id', 'payload_json'])
              .where('upstream_state', '=', 'pending')
              .orderBy('received_at')
              .orderBy('id')
              .limit(limit - rows.length)
              .execute()
          : [];
      return [...rows, ...held].map((r) => ({ id: r.id, document: JSON.parse(r.payload_json) as unknown }));
    },
    async settle(acks: readonly ItemAck[]): Promise<void> {
      await db.transaction(async (tx) => {
        for (const a of acks) {
          await tx.db
            .updateTable('sales_outbox')
            .set((eb) => ({
              state: a.status === 'rejected' ? 'rejected' : 'sent',
              attempts: eb('attempts', '+', 1),
              last_error: a.status === 'rejected' ? (a.reason ?? 'rejected') : null,
            }))
            .where('doc_id', '=', a.id)
            .execute();
          await tx.db
            .updateTable('sales_review')
            .set({ upstream_state: a.status === 'rejected' ? 'rejected' : 'sent' })
            .where('id', '=', a.id)
            .where('upstream_state', '=', 'pending')
            .execute();
        }
      });
    },
    async count(): Promise<number> {
      const r = await db.db
        .selectFrom('sales_outbox')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('state', '=', 'pending')
        .executeTakeFirstOrThrow();
      const held = await db.db
        .selectFrom('sales_review')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('upstream_state', '=', 'pending')
        .executeTakeFirstOrThrow();
      return Number(r.n) + Number(held.n);
    },
  };
}
