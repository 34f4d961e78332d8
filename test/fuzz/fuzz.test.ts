import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex } from '@openkassa/fiscal';
import { fuzzDecoder, fuzzRelay, inputs } from './surfaces.js';
import { fuzzTill } from './till.js';

/** The inputs a long run once failed on: replayed by every run of the suite. */
const corpus = (surface: string) =>
  readdirSync(join(import.meta.dirname, 'corpus'))
    .filter((f) => f.startsWith(`${surface}-`) && f.endsWith('.hex'))
    .map((f) => fromHex(readFileSync(join(import.meta.dirname, 'corpus', f), 'utf8'))!);

describe('fuzz, a short run (npm run fuzz for the long one)', () => {
  it('the decoder answers every mutant with a value or a typed refusal, and never throws', () => {
    const r = fuzzDecoder([...inputs(5000, 7), ...corpus('decoder')]);
    expect(r.failures.map((f) => f.why)).toEqual([]);
    // the run reached both kinds of outcome: it would prove little otherwise
    expect(r.outcomes.relayable).toBeGreaterThan(0);
    expect(Object.keys(r.outcomes).filter((k) => k.startsWith('refused:')).length).toBeGreaterThan(3);
  });

  it('the relay stores only what its rule accepts, under its own key, and serves valid traffic throughout', async () => {
    const r = await fuzzRelay([...inputs(600, 11), ...corpus('relay')]);
    expect(r.failures.map((f) => f.why)).toEqual([]);
    expect(Object.entries(r.outcomes).filter(([k]) => k.startsWith('relayable→')).length).toBeGreaterThan(0);
    expect(Object.entries(r.outcomes).filter(([k]) => k.startsWith('refused:')).length).toBeGreaterThan(3);
  }, 120_000);

  it("the till's local API: no 5xx, a reason on every refusal, and only the valid sales change its database", async () => {
    const r = await fuzzTill(600, 3);
    expect(r.failures.map((f) => f.why)).toEqual([]);
    expect(r.outcomes['valid sales alongside']).toBeGreaterThan(5);
    expect(r.outcomes['HTTP 400']).toBeGreaterThan(0);
  }, 120_000);
});
