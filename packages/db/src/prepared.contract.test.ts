import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { prepare } from './prepared.js';
import { describeStorage } from './testing.js';
import type { CoreSchema } from './schema.js';

const upsert = prepare((db: Kysely<CoreSchema>, v: { key: string; value: string; at: string }) =>
  db
    .insertInto('app_meta')
    .values({ key: v.key, value: v.value, updated_at: v.at })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: v.value, updated_at: v.at }))
    .returning(['key', 'value']),
);

const rename = prepare((db: Kysely<CoreSchema>, v: { key: string; value: string }) =>
  db
    .updateTable('app_meta')
    // a constant of the query stays as it was built
    .set({ value: v.value, updated_at: 'renamed' })
    .where('key', '=', v.key),
);

describeStorage<CoreSchema>('prepared statements', (ctx) => {
  it('runs one statement many times with new values, constants kept', async () => {
    const db = ctx.db();
    for (let i = 0; i < 5; i++) {
      const r = await upsert(db.db, { key: `p-${i % 2}`, value: `v${i}`, at: `t${i}` });
      expect(r.rows).toEqual([{ key: `p-${i % 2}`, value: `v${i}` }]);
    }
    const r = await rename(db.db, { key: 'p-1', value: 'renamed value' });
    expect(Number(r.numAffectedRows)).toBe(1);
    const rows = await db.db
      .selectFrom('app_meta')
      .selectAll()
      .where('key', 'like', 'p-%')
      .orderBy('key')
      .execute();
    expect(rows).toEqual([
      { key: 'p-0', value: 'v4', updated_at: 't4' },
      { key: 'p-1', value: 'renamed value', updated_at: 'renamed' },
    ]);
  });

  it('inside a transaction too, and a missing value is refused by name before anything runs', async () => {
    const db = ctx.db();
    await db.transaction(async (tx) => {
      await upsert(tx.db, { key: 'p-tx', value: 'in tx', at: 'now' });
    });
    expect(
      (await db.db.selectFrom('app_meta').select('value').where('key', '=', 'p-tx').executeTakeFirst())
        ?.value,
    ).toBe('in tx');
    await expect(rename(db.db, { key: 'p-tx' } as unknown as { key: string; value: string })).rejects.toThrow(
      'prepared statement: no value for "value"',
    );
    expect(
      (await db.db.selectFrom('app_meta').select('value').where('key', '=', 'p-tx').executeTakeFirst())
        ?.value,
    ).toBe('in tx');
  });
});
