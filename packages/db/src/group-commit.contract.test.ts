import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { CommitNotSyncedError, type Database } from './database.js';
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

  it('a batch of writes that can be redone commits without waiting for the disk; one with any other waits', async () => {
    const db = ctx.db();
    const seen: string[] = [];
    const gc = new GroupCommitter(
      db,
      async (tx, keys: readonly string[]) => {
        seen.push(
          ctx.dialect === 'sqlite'
            ? String(
                (await sql<{ synchronous: number }>`pragma synchronous`.execute(tx.db)).rows[0]?.synchronous,
              )
            : String(
                (await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(tx.db)).rows[0]
                  ?.synchronous_commit,
              ),
        );
        for (const k of keys)
          await tx.db.insertInto('app_meta').values({ key: k, value: 'v', updated_at: 'x' }).execute();
        return keys.map(() => true);
      },
      { durable: (k) => !k.startsWith('redo-') },
    );
    await Promise.all([gc.submit('redo-1'), gc.submit('redo-2')]);
    await Promise.all([gc.submit('redo-3'), gc.submit('keep-1')]);
    // SQLite: neither commit waits inside COMMIT (the second's log is synced after it, off the
    // event loop); PostgreSQL: only the second waits
    expect(seen).toEqual(ctx.dialect === 'sqlite' ? ['1', '1'] : ['off', 'on']);
    const stored = await db.db
      .selectFrom('app_meta')
      .select('key')
      .where('key', 'in', ['redo-1', 'redo-2', 'redo-3', 'keep-1'])
      .execute();
    expect(stored).toHaveLength(4);
  });
});

describeStorage<CoreSchema>('group commit of writes that may wait', (ctx) => {
  it('a write that may wait joins the commit another write starts, or commits alone once its time is up', async () => {
    const db = ctx.db();
    const batches: string[][] = [];
    const gc = new GroupCommitter(db, async (tx, keys: readonly string[]) => {
      batches.push([...keys]);
      for (const k of keys)
        await tx.db.insertInto('app_meta').values({ key: k, value: 'v', updated_at: 'x' }).execute();
      return keys.map(() => true);
    });
    const stored = async (k: string) =>
      (await db.db.selectFrom('app_meta').select('key').where('key', '=', k).executeTakeFirst()) !==
      undefined;

    const t0 = Date.now();
    const alone = gc.submit('wait-alone', { within: 200 });
    await new Promise((r) => setTimeout(r, 60));
    expect(await stored('wait-alone')).toBe(false);
    await alone;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(await stored('wait-alone')).toBe(true);

    // a write that may wait long rides with the next commit another write starts: the batches say
    // so, whatever the machine's speed (it could not have committed alone before its 10 minutes)
    const rides = gc.submit('wait-rides', { within: 600_000 });
    await new Promise((r) => setTimeout(r, 30));
    await Promise.all([gc.submit('now'), rides]);
    expect(batches).toEqual([['wait-alone'], ['wait-rides', 'now']]);
  });

  it('a flush commits the writes that may wait at once (a stop does not leave them behind)', async () => {
    const db = ctx.db();
    const gc = new GroupCommitter(db, async (tx, keys: readonly string[]) => {
      for (const k of keys)
        await tx.db.insertInto('app_meta').values({ key: k, value: 'v', updated_at: 'x' }).execute();
      return keys.map(() => true);
    });
    // writes that may wait ten minutes: only the flush can commit them within the test's time
    const late = [gc.submit('late-1', { within: 600_000 }), gc.submit('late-2', { within: 600_000 })];
    await gc.flush();
    expect(await Promise.all(late)).toEqual([true, true]);
    const keys = await db.db.selectFrom('app_meta').select('key').where('key', 'like', 'late-%').execute();
    expect(keys.map((k) => k.key).sort()).toEqual(['late-1', 'late-2']);
    // nothing queued: returns at once
    await gc.flush();
  });
});

describeStorage<CoreSchema>('group commit of a long queue', (ctx) => {
  it('commits 200,000 queued writes (a queue that grew while the database was away)', async () => {
    let transactions = 0;
    const gc = new GroupCommitter(
      ctx.db(),
      (_tx, items: readonly number[]) => {
        transactions++;
        return Promise.resolve(items.map((n) => n * 2));
      },
      { maxBatch: 20_000 },
    );
    const results = await Promise.all(Array.from({ length: 200_000 }, (_, n) => gc.submit(n)));
    expect(results[199_999]).toBe(399_998);
    expect(transactions).toBe(10);
  });
});

describe('group commit whose sync fails', () => {
  it('rejects every write of the batch and does not write them again', async () => {
    let runs = 0;
    const db = {
      dialect: 'sqlite',
      transaction: async (fn: (tx: unknown) => Promise<unknown>) => {
        runs++;
        await fn({});
        throw new CommitNotSyncedError(new Error('EIO: i/o error, fdatasync'));
      },
    } as unknown as Database<unknown>;
    const gc = new GroupCommitter(db, (_tx, items: readonly number[]) => Promise.resolve([...items]));
    const outcomes = await Promise.allSettled([1, 2, 3].map((n) => gc.submit(n)));
    expect(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : 'fulfilled'))).toEqual(
      Array(3).fill(
        'CommitNotSyncedError: committed, but syncing the write-ahead log failed: EIO: i/o error, fdatasync',
      ),
    );
    expect(runs).toBe(1);
  });
});
