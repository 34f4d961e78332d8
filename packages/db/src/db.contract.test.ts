import { spawn } from 'node:child_process';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase, NestedTransactionError } from './database.js';
import { createTestDatabase, describeStorage } from './testing.js';
import type { CoreSchema } from './schema.js';

interface TestSchema extends CoreSchema {
  ledger: { id: string; amount: number; created_at: string };
}

async function createLedger(db: ReturnType<typeof openDatabase<TestSchema>>) {
  await db.db.schema
    .createTable('ledger')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}

describeStorage<TestSchema>('storage core', (ctx) => {
  it('applies the migration list once; a second run applies nothing', async () => {
    const again = await ctx.db().migrate();
    expect(again.applied).toEqual([]);
    expect(again.all).toContain('0001-app-meta');
    const rows = await ctx.db().db.selectFrom('app_meta').selectAll().execute();
    expect(rows).toEqual([]);
  });

  it('commits, then runs after-commit hooks in order with the data visible', async () => {
    const db = ctx.db();
    await createLedger(db);
    const seen: string[] = [];
    const result = await db.transaction(async (tx) => {
      await tx.db
        .insertInto('ledger')
        .values({ id: 'a', amount: 5_000_000_000_00, created_at: '2026-11-21T10:00:00.000Z' })
        .execute();
      tx.onCommit(async () => {
        const row = await db.db
          .selectFrom('ledger')
          .select('amount')
          .where('id', '=', 'a')
          .executeTakeFirst();
        seen.push(`first:${row?.amount}`);
      });
      tx.onCommit(() => {
        seen.push('second');
      });
      expect(seen).toEqual([]);
      return 'done';
    });
    expect(result).toBe('done');
    // kopecks beyond 2^31 come back as exact numbers on both engines
    expect(seen).toEqual(['first:500000000000', 'second']);
  });

  it('rolls back everything on an error and runs no hooks', async () => {
    const db = ctx.db();
    await createLedger(db);
    let hookRan = false;
    await expect(
      db.transaction(async (tx) => {
        await tx.db.insertInto('ledger').values({ id: 'rollback-me', amount: 1, created_at: 'x' }).execute();
        tx.onCommit(() => {
          hookRan = true;
        });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const row = await db.db
      .selectFrom('ledger')
      .selectAll()
      .where('id', '=', 'rollback-me')
      .executeTakeFirst();
    expect(row).toBeUndefined();
    expect(hookRan).toBe(false);
  });

  it('a failing statement (duplicate key) rolls back the earlier writes of the transaction', async () => {
    const db = ctx.db();
    await createLedger(db);
    await db.db.insertInto('ledger').values({ id: 'dup', amount: 1, created_at: 'x' }).execute();
    await expect(
      db.transaction(async (tx) => {
        await tx.db.insertInto('ledger').values({ id: 'dup-sibling', amount: 1, created_at: 'x' }).execute();
        await tx.db.insertInto('ledger').values({ id: 'dup', amount: 2, created_at: 'x' }).execute();
      }),
    ).rejects.toThrow();
    expect(
      await db.db.selectFrom('ledger').selectAll().where('id', '=', 'dup-sibling').executeTakeFirst(),
    ).toBeUndefined();
  });

  it('a commit that does not wait for the disk is visible at once; the connection is durable again after it', async () => {
    const db = ctx.db();
    await createLedger(db);
    // what the engine is told about waiting for the disk, read on the same connection
    const level = async (q: typeof db.db) =>
      ctx.dialect === 'sqlite'
        ? String((await sql<{ synchronous: number }>`pragma synchronous`.execute(q)).rows[0]?.synchronous)
        : (await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(q)).rows[0]
            ?.synchronous_commit;
    const durable = ctx.dialect === 'sqlite' ? '2' : 'on';
    const seen: Record<string, string | undefined> = {};
    for (const sync of ['none', 'background', 'commit'] as const) {
      await db.transaction(
        async (tx) => {
          seen[sync] = await level(tx.db);
          await tx.db
            .insertInto('ledger')
            .values({ id: `sync-${sync}`, amount: 1, created_at: 'x' })
            .execute();
        },
        { sync },
      );
      const row = await db.db
        .selectFrom('ledger')
        .select('id')
        .where('id', '=', `sync-${sync}`)
        .executeTakeFirst();
      expect(row?.id).toBe(`sync-${sync}`);
      expect(await level(db.db)).toBe(durable);
    }
    // SQLite: the commit itself does not wait in 'background' either (the log is synced after it)
    expect(seen).toEqual(
      ctx.dialect === 'sqlite'
        ? { none: '1', background: '1', commit: '2' }
        : { none: 'off', background: 'on', commit: 'on' },
    );
    // a relaxed transaction that fails leaves the connection durable too
    await expect(
      db.transaction(
        async (tx) => {
          await tx.db
            .insertInto('ledger')
            .values({ id: 'sync-failed', amount: 1, created_at: 'x' })
            .execute();
          throw new Error('boom');
        },
        { sync: 'none' },
      ),
    ).rejects.toThrow('boom');
    expect(await level(db.db)).toBe(durable);
  });

  it('refuses a nested transaction with a clear error', async () => {
    const db = ctx.db();
    await expect(db.transaction(() => db.transaction(() => Promise.resolve(1)))).rejects.toBeInstanceOf(
      NestedTransactionError,
    );
  });

  it('serialises concurrent read-modify-write transactions without losing updates', async () => {
    const db = ctx.db();
    await db.db.insertInto('app_meta').values({ key: 'counter', value: '0', updated_at: 'x' }).execute();
    const forUpdate = ctx.dialect === 'postgres';
    await Promise.all(
      Array.from({ length: 40 }, () =>
        db.transaction(async (tx) => {
          let q = tx.db.selectFrom('app_meta').select('value').where('key', '=', 'counter');
          if (forUpdate) q = q.forUpdate();
          const row = await q.executeTakeFirstOrThrow();
          await tx.db
            .updateTable('app_meta')
            .set({ value: String(Number(row.value) + 1) })
            .where('key', '=', 'counter')
            .execute();
        }),
      ),
    );
    const row = await db.db
      .selectFrom('app_meta')
      .select('value')
      .where('key', '=', 'counter')
      .executeTakeFirstOrThrow();
    expect(row.value).toBe('40');
  });

  it('a second connection (another process) sees committed data only', async () => {
    const db = ctx.db();
    await createLedger(db);
    const other = openDatabase<TestSchema>(ctx.config());
    try {
      await db.transaction(async (tx) => {
        await tx.db
          .insertInto('ledger')
          .values({ id: 'visible-later', amount: 7, created_at: 'x' })
          .execute();
        if (ctx.dialect === 'postgres') {
          // PostgreSQL readers never wait for writers; SQLite's one-writer lock is tested below.
          const before = await other.db
            .selectFrom('ledger')
            .selectAll()
            .where('id', '=', 'visible-later')
            .executeTakeFirst();
          expect(before).toBeUndefined();
        }
      });
      const after = await other.db
        .selectFrom('ledger')
        .select('amount')
        .where('id', '=', 'visible-later')
        .executeTakeFirst();
      expect(after?.amount).toBe(7);
    } finally {
      await other.close();
    }
  });
});

describe('PostgreSQL schemas', () => {
  it('two OpenKassa schemas in one database migrate independently', async () => {
    const a = await createTestDatabase('postgres');
    const b = await createTestDatabase('postgres');
    const da = openDatabase<TestSchema>(a.config);
    const db = openDatabase<TestSchema>(b.config);
    try {
      expect((await da.migrate()).applied).toEqual(['0001-app-meta']);
      expect((await db.migrate()).applied).toEqual(['0001-app-meta']);
      expect((await db.migrate()).applied).toEqual([]);
      await da.db.insertInto('app_meta').values({ key: 'k', value: 'a', updated_at: 'x' }).execute();
      expect(await db.db.selectFrom('app_meta').selectAll().execute()).toEqual([]);
    } finally {
      await da.close();
      await db.close();
      await a.drop();
      await b.drop();
    }
  });
});

describe('SQLite lock contention between processes', () => {
  it('retries a transaction while another process holds the write lock, then commits', async () => {
    const t = await createTestDatabase('sqlite');
    if (t.config.kind !== 'sqlite') throw new Error('unreachable');
    const db = openDatabase<TestSchema>({ ...t.config, busyTimeoutMs: 10, busyRetryMs: 10_000 });
    try {
      await db.migrate();
      await createLedger(db);
      // A real second process takes the write lock and holds it for 700 ms.
      const holder = spawn(
        process.execPath,
        [
          '-e',
          `const D = require('better-sqlite3'); const c = new D(process.argv[1]);
           c.pragma('busy_timeout = 5000'); c.exec('begin immediate');
           c.prepare("insert into ledger values ('from-other', 1, 'x')").run();
           process.stdout.write('locked\\n');
           Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 700);
           c.exec('commit'); c.close();`,
          t.config.file,
        ],
        { cwd: import.meta.dirname, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const exited = new Promise<number | null>((r) => holder.once('exit', r));
      await new Promise<void>((resolve, reject) => {
        holder.stdout.once('data', () => {
          resolve();
        });
        holder.once('error', reject);
      });
      const started = Date.now();
      let attempts = 0;
      await db.transaction(async (tx) => {
        attempts++;
        await tx.db.insertInto('ledger').values({ id: 'from-us', amount: 2, created_at: 'x' }).execute();
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      expect(attempts).toBe(1); // BEGIN IMMEDIATE waited; the callback ran once, after the lock
      const ids = (await db.db.selectFrom('ledger').select('id').orderBy('id').execute()).map((r) => r.id);
      expect(ids).toEqual(['from-other', 'from-us']);
      expect(await exited).toBe(0);
    } finally {
      await db.close();
      await t.drop();
    }
  });

  it('a commit that does not wait for the disk may not write a companion database (its log is not synced)', async () => {
    const t = await createTestDatabase('sqlite');
    const db = openDatabase<TestSchema>(t.config, { attach: ['side'] });
    // the same database without the test check: such a commit goes through unnoticed
    const unchecked = openDatabase<TestSchema>(
      { ...t.config, checkCompanionSync: false },
      { attach: ['side'] },
    );
    try {
      await createLedger(db);
      await sql.raw('create table side.notes (id text primary key)').execute(db.db);
      const note = (id: string) => sql.raw(`insert into side.notes values ('${id}')`);
      await expect(
        db.transaction((tx) => note('relaxed').execute(tx.db), { sync: 'background' }),
      ).rejects.toThrow(`a transaction with sync 'background' wrote the companion database "side"`);
      await expect(db.transaction((tx) => note('none').execute(tx.db), { sync: 'none' })).rejects.toThrow(
        'wrote the companion database "side"',
      );
      // reading it is fine, and so is writing it with a durable commit
      await db.transaction(
        async (tx) => {
          await sql.raw('select count(*) from side.notes').execute(tx.db);
          await tx.db.insertInto('ledger').values({ id: 'main', amount: 1, created_at: 'x' }).execute();
        },
        { sync: 'background' },
      );
      await db.transaction((tx) => note('durable').execute(tx.db));
      await unchecked.transaction((tx) => note('unchecked').execute(tx.db), { sync: 'background' });
    } finally {
      await db.close();
      await unchecked.close();
      await t.drop();
    }
  });

  it('uses WAL and full synchronous writes', async () => {
    const t = await createTestDatabase('sqlite');
    const db = openDatabase<TestSchema>(t.config);
    try {
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db.db);
      const sync = await sql<{ synchronous: number }>`pragma synchronous`.execute(db.db);
      expect(mode.rows[0]?.journal_mode).toBe('wal');
      expect(sync.rows[0]?.synchronous).toBe(2);
    } finally {
      await db.close();
      await t.drop();
    }
  });
});
