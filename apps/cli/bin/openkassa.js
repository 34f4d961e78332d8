#!/usr/bin/env node
// The `openkassa` command. It runs the JavaScript `npm install` compiled (dist/); from the
// TypeScript sources through tsx's loader when there is none, or when OPENKASSA_FROM_SOURCE=1.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/main.js', import.meta.url);
let main;
if (existsSync(compiled) && process.env.OPENKASSA_FROM_SOURCE !== '1') {
  ({ main } = await import(compiled.href));
} else {
  const { register } = await import('node:module');
  const { register: tsx } = await import('tsx/esm/api');
  tsx();
  register('./source-condition.mjs', import.meta.url);
  ({ main } = await import('../src/main.ts'));
}
const code = await main(process.argv);
// A role that failed to start may have left a database pool or a timer open: end the process.
if (code !== 0) process.exit(code);
process.exitCode = code;
