import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WalSync } from './wal-sync.js';

function database(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'openkassa-walsync-')), 'db.sqlite');
  writeFileSync(`${file}-wal`, new Uint8Array(8192));
  return file;
}

describe('WalSync', () => {
  it('serves every caller waiting when a sync starts with that one sync', async () => {
    const w = new WalSync(database());
    try {
      await Promise.all(Array.from({ length: 50 }, () => w.sync()));
      // the first call starts a sync; the 49 arriving while it runs share the next one
      expect(w.rounds).toBe(2);
    } finally {
      await w.close();
    }
  });

  it('a caller arriving while a sync runs waits for one that starts after it', async () => {
    const w = new WalSync(database());
    try {
      const order: string[] = [];
      const first = w.sync().then(() => order.push(`first after ${w.rounds}`));
      const second = w.sync().then(() => order.push(`second after ${w.rounds}`));
      await Promise.all([first, second]);
      expect(order).toEqual(['first after 1', 'second after 2']);
      // nothing running: the next call starts its own
      await w.sync();
      expect(w.rounds).toBe(3);
    } finally {
      await w.close();
    }
  });

  it('a database with no log yet has nothing to sync, and no log is created', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'openkassa-walsync-')), 'db.sqlite');
    const w = new WalSync(file);
    await w.sync();
    expect(existsSync(`${file}-wal`)).toBe(false);
    await w.close();
  });

  it('refuses to sync once closed', async () => {
    const w = new WalSync(database());
    await w.sync();
    await w.close();
    await expect(w.sync()).rejects.toThrow('the database is closed');
  });
});
