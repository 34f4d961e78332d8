import { describe, expect, it } from 'vitest';
import { Supervisor, type Worker } from './supervisor.js';

/** Waits for a condition, failing after `ms`. */
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A worker that throws on its first `failures` runs, then runs until stopped. */
function flaky(failures: number): Worker & { runs: number; running: boolean } {
  let stop: (() => void) | undefined;
  const w = {
    runs: 0,
    running: false,
    run(): Promise<void> {
      w.runs++;
      if (w.runs <= failures) return Promise.reject(new Error(`boom ${w.runs}`));
      w.running = true;
      return new Promise<void>((resolve) => {
        stop = () => {
          w.running = false;
          resolve();
        };
      });
    },
    stop() {
      stop?.();
    },
  };
  return w;
}

describe('Supervisor', () => {
  it('restarts a worker that throws, logging its name, until it runs; counts the restarts', async () => {
    const lines: string[] = [];
    const sup = new Supervisor({ log: { warn: (m) => lines.push(m) }, minBackoffMs: 1, maxBackoffMs: 4 });
    const w = sup.add('forwarder', flaky(3));
    await until(() => w.running);
    expect(w.runs).toBe(4);
    const [h] = sup.health();
    expect(h).toMatchObject({ name: 'forwarder', state: 'running', restarts: 3, lastError: 'boom 3' });
    expect(h?.lastErrorAt).not.toBeNull();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^worker forwarder failed: boom 1; restarting in/);
    expect(sup.failing()).toEqual([]);
    await sup.stop();
    expect(sup.health()[0]?.state).toBe('stopped');
    expect(w.running).toBe(false);
  });

  it('shows a worker as restarting while it waits to be started again', async () => {
    const sup = new Supervisor({ log: { warn: () => undefined }, minBackoffMs: 60_000 });
    sup.add('uplink', flaky(1));
    await until(() => sup.failing().length === 1);
    expect(sup.failing()).toEqual(['uplink']);
    expect(sup.health()[0]).toMatchObject({ state: 'restarting', restarts: 1, lastError: 'boom 1' });
    // stopping does not wait out the pause
    await sup.stop();
    expect(sup.health()[0]?.state).toBe('stopped');
  });

  it('restarts a worker whose run returns without being stopped', async () => {
    const lines: string[] = [];
    const sup = new Supervisor({ log: { warn: (m) => lines.push(m) }, minBackoffMs: 1 });
    let runs = 0;
    sup.add('feed', {
      run: () => {
        runs++;
        return runs < 3 ? Promise.resolve() : new Promise<void>(() => undefined);
      },
      stop: () => undefined,
    });
    await until(() => runs === 3);
    expect(lines[0]).toMatch(/worker feed failed: ended without being stopped/);
    expect(sup.health()[0]?.restarts).toBe(2);
  });

  it('runs a periodic job, and one that throws is retried after the pause instead of dying', async () => {
    const sup = new Supervisor({ log: { warn: () => undefined }, minBackoffMs: 1 });
    let calls = 0;
    sup.every(
      'archive',
      60_000,
      () => {
        calls++;
        return calls === 1 ? Promise.reject(new Error('disk full')) : Promise.resolve();
      },
      0,
    );
    await until(() => calls === 2);
    expect(sup.health()[0]).toMatchObject({ restarts: 1, lastError: 'disk full', state: 'running' });
    await sup.stop();
  });

  it('refuses two workers of one name', () => {
    const sup = new Supervisor({ log: { warn: () => undefined } });
    sup.add('a', flaky(0));
    expect(() => sup.add('a', flaky(0))).toThrow(/already supervised/);
    return sup.stop();
  });
});
