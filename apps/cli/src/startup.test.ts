import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_PG_URL } from '@openkassa/db/testing';
import { Kysely, PostgresDialect } from 'kysely';

const BIN = join(import.meta.dirname, '../bin/openkassa.js');

/** Runs `openkassa …` as a process; what it wrote to stderr and its exit code. */
function openkassa(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OPENKASSA_DEBUG: '', ...env },
    });
    let err = '';
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.stdout.on('data', () => undefined);
    p.once('exit', (code) => resolve({ code, err }));
  });
}

const anyPorts = ['--http', '127.0.0.1:0', '--relay', '127.0.0.1:0', '--ofd', '127.0.0.1:7'];

/** One line that says what went wrong, no stack, exit code 1 (2 for a bad flag). */
function expectOneLine(r: { code: number | null; err: string }, pattern: RegExp, code = 1): void {
  const lines = r.err.trimEnd().split('\n');
  expect(lines, r.err).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.err).not.toMatch(/\n\s+at /);
  expect(r.code).toBe(code);
}

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup) await c();
});

function listening(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve({ server, port: typeof a === 'object' && a ? a.port : 0 });
    });
  });
}

describe('a server that cannot start says why in one line', () => {
  it('the database unreachable', async () => {
    const r = await openkassa(['server', '--db', 'postgres://postgres@127.0.0.1:1/x', ...anyPorts]);
    expectOneLine(
      r,
      /^openkassa server: database unreachable \(connect ECONNREFUSED 127\.0\.0\.1:1\).*check --db/,
    );
  });

  it('a PostgreSQL database that does not exist', async () => {
    const url = new URL(TEST_PG_URL);
    url.pathname = '/no_such_openkassa_db';
    const r = await openkassa(['server', '--db', url.toString(), ...anyPorts]);
    expectOneLine(r, /^openkassa server: database "no_such_openkassa_db" does not exist: create it/);
  });

  it('a schema left from an earlier install (its _archive companion holds tables)', async () => {
    const schema = `t_left_${Date.now().toString(36)}`;
    const db = new Kysely<unknown>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: TEST_PG_URL, max: 1 }) }),
    });
    cleanup.push(async () => {
      await db.schema.dropSchema(`${schema}_archive`).ifExists().cascade().execute();
      await db.schema.dropSchema(schema).ifExists().cascade().execute();
      await db.destroy();
    });
    await db.schema.createSchema(`${schema}_archive`).execute();
    await db.schema
      .withSchema(`${schema}_archive`)
      .createTable('sales_documents')
      .addColumn('id', 'text')
      .execute();
    const r = await openkassa(['server', '--db', `${TEST_PG_URL}?schema=${schema}`, ...anyPorts]);
    expectOneLine(
      r,
      /^openkassa server: the database already holds the table "sales_documents" .* left from an earlier install\): choose a new schema/,
    );
  });

  it('migrations that another version made', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ok-startup-'));
    const first = await openkassa(['migrate', '--data', dir]);
    expect(first.code).toBe(0);
    const Sqlite = (await import('better-sqlite3')).default;
    const conn = new Sqlite(join(dir, 'server.sqlite'));
    conn
      .prepare('insert into kysely_migration (name, timestamp) values (?, ?)')
      .run('9999-from-a-newer-version', new Date().toISOString());
    conn.close();
    const r = await openkassa(['server', '--data', dir, ...anyPorts]);
    expectOneLine(
      r,
      /^openkassa server: the database was migrated by another version of OpenKassa \(.*9999-from-a-newer-version/,
    );
  });

  it('a port in use, naming the flag', async () => {
    const { server, port } = await listening();
    cleanup.push(() => new Promise((r) => server.close(() => r())));
    const dir = mkdtempSync(join(tmpdir(), 'ok-startup-'));
    const http = await openkassa([
      'server',
      '--data',
      dir,
      '--http',
      `127.0.0.1:${port}`,
      '--relay',
      '127.0.0.1:0',
      '--ofd',
      '127.0.0.1:7',
    ]);
    expectOneLine(
      http,
      new RegExp(`^openkassa server: the address 127\\.0\\.0\\.1:${port} \\(--http\\) is already in use`),
    );
    const relay = await openkassa([
      'server',
      '--data',
      dir,
      '--http',
      '127.0.0.1:0',
      '--relay',
      `127.0.0.1:${port}`,
      '--ofd',
      '127.0.0.1:7',
    ]);
    expectOneLine(
      relay,
      new RegExp(`^openkassa server: the address 127\\.0\\.0\\.1:${port} \\(--relay\\) is already in use`),
    );
  });

  it('a data folder that cannot be used', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ok-startup-')), 'not-a-folder');
    writeFileSync(file, 'x');
    const r = await openkassa(['server', '--data', file, ...anyPorts]);
    expectOneLine(r, /^openkassa server: cannot open the data folder .*not-a-folder.*\(--data\)$/);
  });

  it('a bad flag value', async () => {
    const r = await openkassa(['server', '--http', 'abc', '--ofd', '127.0.0.1:7']);
    expect(r.err).toMatch(
      /^error: option '--http <host:port>' argument 'abc' is invalid\. expected host:port, got "abc"/,
    );
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.err.trimEnd().split('\n').length).toBeLessThanOrEqual(2); // the line, and where to find the flags
    expect(r.code).toBe(1);
  });

  it('prints the stack only with --debug', async () => {
    const r = await openkassa([
      'server',
      '--debug',
      '--db',
      'postgres://postgres@127.0.0.1:1/x',
      ...anyPorts,
    ]);
    expect(r.err.split('\n')[0]).toMatch(/^openkassa server: database unreachable/);
    expect(r.err).toMatch(/\n\s+at /);
    expect(r.code).toBe(1);
  });
});
