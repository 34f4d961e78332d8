// The audit log: what other features use of it. Its routes are registered by app.ts.
export * from './audit.repo.js';
export * from './audit.chain.js';
export * from './audit.verify.js';
