// The build: every workspace's TypeScript (src/) compiled once into its dist/, with the files the
// code reads beside itself (the sale screen's and the back office's pages). Runs on `npm install`
// (prepare) and `npm run build`; the roles then run from dist/ without a TypeScript loader.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
if (!existsSync(tsc)) {
  // an install without dev dependencies: nothing to build with (and nothing asks for it)
  console.log('openkassa build: TypeScript is not installed; skipped');
  process.exit(0);
}
const t0 = Date.now();
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);

let files = 0;
for (const group of ['packages', 'apps']) {
  for (const name of readdirSync(join(root, group))) {
    const ws = join(root, group, name);
    const built = join(root, '.build', group, name, 'src');
    if (!existsSync(join(ws, 'package.json')) || !existsSync(built)) continue;
    const dist = join(ws, 'dist');
    rmSync(dist, { recursive: true, force: true });
    cpSync(built, dist, { recursive: true });
    // what the code reads beside itself: everything in src/ that is not TypeScript
    cpSync(join(ws, 'src'), dist, {
      recursive: true,
      filter: (src) => statSync(src).isDirectory() || !src.endsWith('.ts'),
    });
    files += readdirSync(dist, { recursive: true }).length;
  }
}
console.log(
  `openkassa build: ${files} files in the workspaces' dist/ (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
);
