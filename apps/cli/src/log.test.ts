import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileLog } from './log.js';

describe('the log file', () => {
  it('writes JSON lines and rotates by size, keeping the newest files', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ok-log-')), 'logs', 'server.log');
    const write = fileLog('server', { file, maxBytes: 300, keep: 2 });
    for (let i = 0; i < 20; i++) write(i % 2 ? 'warn' : 'info', `line ${i}`);
    const lines = (f: string) =>
      readFileSync(f, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as { time: string; level: string; role: string; msg: string });
    const now = lines(file);
    expect(now.at(-1)).toMatchObject({ level: 'warn', role: 'server', msg: 'line 19' });
    expect(Date.parse(now.at(-1)!.time)).not.toBeNaN();
    expect(readFileSync(file).length).toBeLessThanOrEqual(300);
    // the newest rotated files are kept, the oldest lines dropped; nothing lost between the kept ones
    const kept = [...lines(`${file}.2`), ...lines(`${file}.1`), ...now].map((l) => l.msg);
    expect(kept.at(-1)).toBe('line 19');
    const first = Number(kept[0]!.split(' ')[1]);
    expect(kept).toEqual(Array.from({ length: 20 - first }, (_, i) => `line ${first + i}`));
    expect(first).toBeGreaterThan(0);
    expect(existsSync(`${file}.3`)).toBe(false);
  });
});
