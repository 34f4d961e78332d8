#!/usr/bin/env node
// The `openkassa` command. Sources are TypeScript, run through tsx's loader (no build step).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
const code = await main(process.argv);
// A role that failed to start may have left a database pool or a timer open: end the process.
if (code !== 0) process.exit(code);
process.exitCode = code;
