#!/usr/bin/env node
// The shape of an app's source, for planning: files and lines per folder, the largest files and
// the largest functions. `node scripts/layout.mjs apps/server/src`
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const root = process.argv[2] ?? 'apps/server/src';
const files = [];
const walk = (d) => {
  for (const n of readdirSync(d)) {
    const p = join(d, n);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.d.ts')) files.push(p);
  }
};
walk(root);

const fns = [];
const perFile = [];
for (const f of files) {
  const text = readFileSync(f, 'utf8');
  const sf = ts.createSourceFile(f, text, ts.ScriptTarget.Latest, true);
  perFile.push({ file: relative(root, f), lines: text.split('\n').length });
  const visit = (node, name) => {
    const isFn =
      ts.isFunctionDeclaration(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isArrowFunction(node) ||
      ts.isFunctionExpression(node);
    let label = name;
    if (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node))
      label = node.name?.getText(sf) ?? name;
    if (ts.isVariableDeclaration(node)) label = node.name.getText(sf);
    if (isFn) {
      const a = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const b = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      fns.push({ where: `${relative(root, f)}:${a + 1}`, name: label ?? '(anonymous)', lines: b - a + 1 });
    }
    ts.forEachChild(node, (c) => visit(c, label));
  };
  visit(sf, undefined);
}
perFile.sort((a, b) => b.lines - a.lines);
const total = perFile.reduce((s, f) => s + f.lines, 0);
const folders = new Map();
for (const f of perFile) {
  const d = f.file.includes('/') ? f.file.slice(0, f.file.indexOf('/')) : '.';
  const e = folders.get(d) ?? { files: 0, lines: 0 };
  e.files++;
  e.lines += f.lines;
  folders.set(d, e);
}
console.log(`${root}: ${perFile.length} files, ${total} lines (tests aside)`);
console.log('\nfolder            files  lines');
for (const [d, e] of [...folders].sort((a, b) => b[1].lines - a[1].lines))
  console.log(`${d.padEnd(16)} ${String(e.files).padStart(6)} ${String(e.lines).padStart(6)}`);
console.log('\nlargest files');
for (const f of perFile.slice(0, 10)) console.log(`${String(f.lines).padStart(6)}  ${f.file}`);
console.log('\nlargest functions (nested ones counted inside their parents too)');
fns.sort((a, b) => b.lines - a.lines);
for (const f of fns.slice(0, 8)) console.log(`${String(f.lines).padStart(6)}  ${f.name}  ${f.where}`);
