import { describe, expect, it } from 'vitest';
import { Wakeup } from './index.js';

describe('Wakeup', () => {
  it('a notify before the wait is not lost', async () => {
    const w = new Wakeup();
    w.notify(); // work arrived while the worker was busy
    const t0 = Date.now();
    await w.wait(5000);
    expect(Date.now() - t0).toBeLessThan(100);
  });
  it('a notify during the wait ends it; without one the wait times out', async () => {
    const w = new Wakeup();
    const t0 = Date.now();
    setTimeout(() => w.notify(), 30);
    await w.wait(5000);
    expect(Date.now() - t0).toBeLessThan(1000);
    const t1 = Date.now();
    await w.wait(50);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(45);
  });
});

describe('Wakeup with an abandoned wait', () => {
  it('a stale wait timing out does not make the current wait miss its notify', async () => {
    const w = new Wakeup();
    void w.wait(30); // lost a Promise.race: abandoned, its timer still runs
    const current = w.wait(5000);
    await new Promise((r) => setTimeout(r, 60)); // the abandoned wait times out meanwhile
    const t0 = Date.now();
    w.notify();
    await current;
    expect(Date.now() - t0).toBeLessThan(100);
  });
});
