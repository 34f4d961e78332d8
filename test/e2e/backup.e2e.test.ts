import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { sampleSale } from '@openkassa/contracts';
import { deviceHeaders } from '@openkassa/server/testing';
import { startLocalServer, stopAll, tempDir } from './support.js';

afterAll(stopAll);

const BIN = join(import.meta.dirname, '../../apps/cli/bin/openkassa.js');

function openkassa(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (out += c.toString()));
    p.once('exit', (code) => resolve({ code, out }));
  });
}

describe('backup and restore of an embedded database', () => {
  it('copies a server under load; the restored copy passes the audit and holds every document acknowledged before the backup', async () => {
    const data = tempDir('bk-data');
    const server = await startLocalServer(['--data', data], ['--ofd', '127.0.0.1:9']);
    const till = await deviceHeaders(server.api, server.auth, { id: 'till:S1/T1', store: 'S1' });
    // a till uploading sales without pause: every acknowledged id is recorded
    const acknowledged: string[] = [];
    let stop = false;
    let n = 0;
    const load = (async () => {
      while (!stop) {
        const docs = Array.from({ length: 20 }, () => sampleSale({ number: ++n, lines: 3 }));
        const r = await fetch(`${server.api}/api/v1/sales/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...till },
          body: JSON.stringify({ documents: docs }),
        });
        const body = (await r.json()) as { results: { id: string; status: string }[] };
        expect(r.status).toBe(200);
        for (const x of body.results) if (x.status === 'stored') acknowledged.push(x.id);
      }
    })();
    while (acknowledged.length < 400) await new Promise((r) => setTimeout(r, 20));

    const before = new Set(acknowledged);
    const copy = join(tempDir('bk-copy'), 'backup');
    const b = await openkassa(['backup', '--data', data, '--to', copy]);
    const after = new Set(acknowledged);
    stop = true;
    await load;
    expect(b.out).toMatch(/^backup of .* server\.sqlite \(.*\), server\.archive\.sqlite .*integrity checked/);
    expect(b.code).toBe(0);
    expect(after.size).toBeGreaterThan(before.size); // the load went on during the backup

    const restored = tempDir('bk-restored');
    const r = await openkassa(['restore', '--from', copy, '--data', restored]);
    expect(r.out).toMatch(/^restored the backup of /);
    expect(r.code).toBe(0);
    expect(existsSync(join(restored, 'server.sqlite'))).toBe(true);
    // restoring over a database is refused
    const again = await openkassa(['restore', '--from', copy, '--data', restored]);
    expect(again.out).toMatch(/already holds server\.sqlite/);
    expect(again.code).toBe(2);

    const audit = await openkassa(['audit', 'verify', '--data', restored]);
    expect(audit.out).toMatch(/OK: nothing was changed/);
    expect(audit.code).toBe(0);

    const conn = new BetterSqlite3(join(restored, 'server.sqlite'), { readonly: true });
    const ids = new Set(
      (conn.prepare('select id from sales_documents').all() as { id: string }[]).map((x) => x.id),
    );
    const lines = (conn.prepare('select count(*) as n from sales_lines').get() as { n: number }).n;
    conn.close();
    // everything acknowledged before the backup is in it; nothing in it that was never acknowledged
    expect([...before].filter((id) => !ids.has(id))).toEqual([]);
    expect([...ids].filter((id) => !after.has(id))).toEqual([]);
    expect(lines).toBe(ids.size * 3);
  }, 120_000);
});
