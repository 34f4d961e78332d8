import { expect, it } from 'vitest';
import { GroupCommitter } from './group-commit.js';
import { describeStorage } from './testing.js';
import type { CoreSchema } from './schema.js';

describeStorage<CoreSchema>('group commit', (ctx) => {
  it('commits many concurrent writes in few transactions, each acknowledged after its commit', async () => {
    const db = ctx.db();
    let transactions = 0;
    const gc = new GroupCommitter(db, async (tx, keys: readonly string[]) => {
      transactions++;
      for (const k of keys)
        await tx.db.insertInto('app_meta').values({ key: k, value: 'v', updated_at: 'x' }).execute();
      return keys.map((k) => `stored ${k}`);
    });
    const keys = Array.from({ length: 300 }, (_, i) => `gc-${i}`);
    const results = await Promise.all(
      keys.map(async (k) => {
        const r = await gc.submit(k);
        // acknowledged: it is committed and visible to any reader
        const row = await db.db.selectFrom('app_meta').select('key').where('key', '=', k).executeTakeFirst();
        return [r, row?.key];
      }),
    );
    expect(results).toEqual(keys.map((k) => [`stored ${k}`, k]));
    expect(transactions).toBeLessThan(20);
  });

  it('one bad item fails alone; the rest of its batch commits', async () => {
    const db = ctx.db();
    await db.db.insertInto('app_meta').values({ key: 'taken', value: 'v', updated_at: 'x' }).execute();
    const gc = new GroupCommitter(db, async (tx, keys: readonly string[]) => {
      for (const k of keys)
        await tx.db.insertInto('app_meta').values({ key: k, value: 'v', updated_at: 'x' }).execute();
      return keys.map(() => true);
    });
    const outcomes = await Promise.allSettled(['ok-1', 'taken', 'ok-2', 'ok-3'].map((k) => gc.submit(k)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const stored = (
      await db.db.selectFrom('app_meta').select('key').where('key', 'like', 'ok-%').orderBy('key').execute()
    ).map((r) => r.key);
    expect(stored).toEqual(['ok-1', 'ok-2', 'ok-3']);
  });
});
