/**
 * `npm run fuzz -- [--inputs 100000] [--surface decoder|relay|all] [--seed 1]`: mutants of recorded
 * and emulated ККТ messages against the fiscal decoder and a cash server's relay port. Prints the
 * outcomes per surface and how long each took; an input that broke a rule is saved in
 * test/fuzz/corpus/, where the test suite replays it from then on.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '@openkassa/fiscal';
import { httpSurface } from './http-surface.js';
import { fuzzTill } from './till.js';
import {
  corpusName,
  fuzzDecoder,
  fuzzRelay,
  inputs,
  SURFACES,
  type FuzzReport,
  type Surface,
} from './surfaces.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}

const n = Number(arg('inputs', '100000'));
const seed = Number(arg('seed', '1'));
const which = arg('surface', 'all');
if (!Number.isInteger(n) || n < 1) throw new Error('--inputs takes a whole number');
const surfaces: Surface[] = which === 'all' ? [...SURFACES] : [which as Surface];
if (!surfaces.every((s) => (SURFACES as readonly string[]).includes(s)))
  throw new Error(`--surface: one of ${SURFACES.join(', ')} or all`);

let failed = 0;
for (const surface of surfaces) {
  const r: FuzzReport =
    surface === 'decoder'
      ? fuzzDecoder(inputs(n, seed))
      : surface === 'relay'
        ? await fuzzRelay(inputs(n, seed))
        : surface === 'http'
          ? await httpSurface(n, seed)
          : await fuzzTill(n, seed);
  console.log(
    `\n${surface}: ${r.inputs} inputs in ${r.seconds.toFixed(1)} s, ${r.failures.length} failure(s)` +
      (r.heapGrowthMb !== undefined
        ? `, heap ${r.heapGrowthMb >= 0 ? '+' : ''}${r.heapGrowthMb} MB over the run`
        : ''),
  );
  for (const [k, v] of Object.entries(r.outcomes).sort((a, b) => b[1] - a[1]))
    console.log(`  ${String(v).padStart(8)}  ${k}`);
  for (const f of r.failures.slice(0, 20)) {
    console.log(`  FAILED: ${f.why}`);
    if (f.bytes.length > 0) {
      const file = join(import.meta.dirname, 'corpus', corpusName(surface, f.bytes));
      writeFileSync(file, `${toHex(f.bytes)}\n`);
      console.log(`    saved as ${file}`);
    }
  }
  failed += r.failures.length;
}
process.exitCode = failed > 0 ? 1 : 0;
