import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Wakeup } from './index.js';

// Time is the test's own (fake timers): each wait ends exactly when it should, whatever the machine.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Whether `p` has settled, once the promises due now have run. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

describe('Wakeup', () => {
  it('a notify before the wait is not lost', async () => {
    const w = new Wakeup();
    w.notify(); // work arrived while the worker was busy
    expect(await settled(w.wait(5000))).toBe(true);
  });

  it('a notify during the wait ends it; without one the wait times out, not before', async () => {
    const w = new Wakeup();
    const first = w.wait(5000);
    setTimeout(() => w.notify(), 30);
    expect(await settled(first)).toBe(false);
    await vi.advanceTimersByTimeAsync(30);
    expect(await settled(first)).toBe(true);
    const second = w.wait(50);
    await vi.advanceTimersByTimeAsync(49);
    expect(await settled(second)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(second)).toBe(true);
  });
});

describe('Wakeup with an abandoned wait', () => {
  it('a stale wait timing out does not make the current wait miss its notify', async () => {
    const w = new Wakeup();
    void w.wait(30); // lost a Promise.race: abandoned, its timer still runs
    const current = w.wait(5000);
    await vi.advanceTimersByTimeAsync(60); // the abandoned wait times out meanwhile
    expect(await settled(current)).toBe(false);
    w.notify();
    expect(await settled(current)).toBe(true);
  });
});
