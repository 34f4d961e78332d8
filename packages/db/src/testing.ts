/**
 * Contract-test helper: one suite, run on SQLite and on PostgreSQL. Each call gets its own fresh
 * database (a temporary SQLite file, or a new PostgreSQL schema dropped afterwards).
 * PostgreSQL is required, not optional: tests fail when it does not answer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import type { DbConfig, DialectName } from './config.js';
import { openDatabase, type Database, type OpenOptions } from './database.js';

export const TEST_PG_URL = process.env.OPENKASSA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  readonly config: DbConfig;
  /** Removes the database (drops the schema / deletes the file). */
  drop(): Promise<void>;
}

export async function createTestDatabase(kind: DialectName): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'openkassa-test-'));
    return {
      config: {
        kind: 'sqlite',
        file: join(dir, 'test.sqlite'),
        checkNesting: true,
        checkCompanionSync: true,
      },
      drop: () => {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    };
  }
  const schema = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    await admin.query(`create schema ${schema}`);
  } finally {
    await admin.end();
  }
  return {
    config: { kind: 'postgres', url: TEST_PG_URL, schema, checkNesting: true },
    drop: async () => {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      try {
        // With its companions (`<schema>_archive`, …), which hold views' sources.
        const companions = await c.query<{ n: string }>(
          `select nspname as n from pg_namespace where starts_with(nspname, $1)`,
          [`${schema}_`],
        );
        for (const { n } of companions.rows) await c.query(`drop schema if exists "${n}" cascade`);
        await c.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface StorageContext<DB> {
  readonly dialect: DialectName;
  /** The migrated database of this run. */
  db(): Database<DB>;
  /** The config, to open a second connection (another "process") to the same database. */
  config(): DbConfig;
}

/** Registers `suite` once per backend: `describe('<name> [sqlite]')` and `[postgres]`. */
export function describeStorage<DB>(
  name: string,
  suite: (ctx: StorageContext<DB>) => void,
  opts: OpenOptions = {},
): void {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    describe(`${name} [${dialect}]`, () => {
      let test: TestDatabase | undefined;
      let database: Database<DB> | undefined;
      beforeAll(async () => {
        test = await createTestDatabase(dialect);
        database = openDatabase<DB>(test.config, opts);
        await database.migrate();
      });
      afterAll(async () => {
        await database?.close();
        await test?.drop();
      });
      suite({
        dialect,
        db: () => {
          if (!database) throw new Error('database not ready');
          return database;
        },
        config: () => {
          if (!test) throw new Error('database not ready');
          return test.config;
        },
      });
    });
  }
}
