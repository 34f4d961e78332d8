import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import ts from 'typescript';

/**
 * The shape the apps keep as they grow: no import cycle between their modules (type imports
 * included), and a feature folder reached from outside only through its `index.ts`, what the
 * feature offers the others. Each feature's `*.routes.ts` is the exception: only the app's
 * composition (`app.ts`) registers it. Tests may reach into what they test.
 */

const ROOT = resolve(import.meta.dirname, '../..');

interface Edge {
  readonly from: string;
  readonly to: string;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The relative imports (and re-exports) of every source file of `src`, as paths relative to it. */
function importsOf(src: string): Edge[] {
  const edges: Edge[] = [];
  for (const file of sources(src)) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
    for (const s of sf.statements) {
      const spec =
        (ts.isImportDeclaration(s) || ts.isExportDeclaration(s)) &&
        s.moduleSpecifier &&
        ts.isStringLiteral(s.moduleSpecifier)
          ? s.moduleSpecifier.text
          : undefined;
      if (!spec?.startsWith('.')) continue;
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      edges.push({ from: relative(src, file), to: relative(src, target) });
    }
  }
  return edges;
}

function cycles(edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of next.get(n) ?? []) {
      if (state.get(m) === 'open') found.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...next.keys()].sort()) if (!state.has(n)) visit(n);
  return found;
}

const featureOf = (path: string) => (path.includes('/') ? path.slice(0, path.indexOf('/')) : undefined);

/** Imports that reach into another feature past its index (routes files: from app.ts only). */
function intrusions(edges: readonly Edge[]): string[] {
  return edges
    .filter((e) => {
      const to = featureOf(e.to);
      if (to === undefined || to === featureOf(e.from)) return false;
      if (e.to === `${to}/index.ts`) return false;
      return !(e.from === 'app.ts' && e.to.endsWith('.routes.ts'));
    })
    .map((e) => `${e.from} → ${e.to}`);
}

/** Migrations are frozen: one imports nothing of the live code, only migrations before it. */
function liveImportsOfMigrations(edges: readonly Edge[]): string[] {
  const number = (p: string) => /^migrations\/(\d{4})-/.exec(p)?.[1];
  return edges
    .filter((e) => {
      const from = number(e.from);
      if (from === undefined) return false;
      const to = number(e.to);
      return to === undefined || to >= from;
    })
    .map((e) => `${e.from} → ${e.to}`);
}

describe('the cash server and the till keep their shape', () => {
  for (const app of ['apps/server/src', 'apps/till/src']) {
    const edges = importsOf(join(ROOT, app));

    it(`${app}: no import cycle`, () => {
      expect(edges.length).toBeGreaterThan(20);
      expect(cycles(edges).map((c) => c.join(' → '))).toEqual([]);
    });

    it(`${app}: a feature is used by the others only through its index`, () => {
      expect(intrusions(edges)).toEqual([]);
    });

    it(`${app}: a migration needs nothing of the live code`, () => {
      expect(edges.some((e) => e.from.startsWith('migrations/0'))).toBe(app === 'apps/server/src');
      expect(liveImportsOfMigrations(edges)).toEqual([]);
    });
  }

  it('the pure packages import nothing of Node, the database or the network', () => {
    const impure: string[] = [];
    for (const pkg of ['packages/contracts/src', 'packages/fiscal/src'])
      for (const file of sources(join(ROOT, pkg))) {
        const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
        for (const st of sf.statements)
          if (
            (ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) &&
            st.moduleSpecifier &&
            ts.isStringLiteral(st.moduleSpecifier) &&
            /^(node:|@openkassa\/(db|runtime|ofd-net)|pg$|better-sqlite3|kysely)/.test(
              st.moduleSpecifier.text,
            )
          )
            impure.push(`${relative(ROOT, file)} → ${st.moduleSpecifier.text}`);
      }
    expect(impure).toEqual([]);
  });

  it('sees a cycle and an intrusion where there is one', () => {
    const edges = [
      { from: 'a/a.service.ts', to: 'b/index.ts' },
      { from: 'b/index.ts', to: 'b/b.repo.ts' },
      { from: 'b/b.repo.ts', to: 'a/a.repo.ts' },
      { from: 'a/a.repo.ts', to: 'a/a.service.ts' },
      { from: 'app.ts', to: 'a/a.routes.ts' },
      { from: 'main.ts', to: 'b/b.routes.ts' },
      { from: 'migrations/0003-x.ts', to: 'migrations/0002-y.ts' },
      { from: 'migrations/0004-z.ts', to: 'a/index.ts' },
    ];
    expect(cycles(edges)).toEqual([
      ['a/a.repo.ts', 'a/a.service.ts', 'b/index.ts', 'b/b.repo.ts', 'a/a.repo.ts'],
    ]);
    expect(intrusions(edges)).toEqual(['b/b.repo.ts → a/a.repo.ts', 'main.ts → b/b.routes.ts']);
    expect(liveImportsOfMigrations(edges)).toEqual(['migrations/0004-z.ts → a/index.ts']);
  });
});
