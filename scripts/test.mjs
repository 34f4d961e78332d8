// The one test command: lint, format check, type check, then every test (SQLite and
// PostgreSQL). Ends with the plain line "N passed, N failed" from the runner's JSON results.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const bin = (p) => join(root, 'node_modules', p);
const steps = [
  ['lint', [bin('eslint/bin/eslint.js'), '.', '--max-warnings', '0']],
  ['format', [bin('prettier/bin/prettier.cjs'), '--check', '--log-level', 'warn', '.']],
  ['typecheck', [bin('typescript/bin/tsc'), '-p', 'tsconfig.json']],
  // the JavaScript the roles run: the processes the tests start run it
  ['build', [join(root, 'scripts', 'build.mjs')]],
  ['tests', [bin('vitest/vitest.mjs'), 'run', ...process.argv.slice(2)]],
];

const results = join(root, 'test-results', 'vitest.json');
rmSync(results, { force: true });
const failed = [];
for (const [name, args] of steps) {
  const t0 = Date.now();
  console.log(`\n== ${name}`);
  const r = spawnSync(process.execPath, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, OPENKASSA_TEST_COMPILED: failed.includes('build') ? '0' : '1' },
  });
  console.log(`== ${name}: ${r.status === 0 ? 'ok' : 'FAILED'} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  if (r.status !== 0) failed.push(name);
}

let passed = 0;
let failedTests = 0;
let skipped = 0;
if (existsSync(results)) {
  const j = JSON.parse(readFileSync(results, 'utf8'));
  passed = j.numPassedTests;
  failedTests = j.numFailedTests;
  skipped = j.numPendingTests + j.numTodoTests;
  // A file that failed without a failed test — it did not import, or its beforeAll threw (PostgreSQL
  // down, Chromium missing) and its tests show as skipped — is a failure too, one per file.
  for (const f of j.testResults ?? []) {
    const failedInFile = (f.assertionResults ?? []).filter((a) => a.status === 'failed').length;
    if (f.status === 'failed' && failedInFile === 0) {
      failedTests++;
      console.log(
        `failed file: ${f.name}: ${(f.message ?? '').split('\n')[0] || 'failed outside its tests'}`,
      );
    }
  }
}
if (failed.length > 0) console.log(`\nfailed steps: ${failed.join(', ')}`);
console.log(`\n${passed} passed, ${failedTests} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed.length > 0 || passed === 0 ? 1 : 0);
