// The fiscal documents the relay holds and the ФН backlog. Its routes are registered by app.ts.
export * from './backlog.js';
export * from './fiscal.repo.js';
export * from './fiscal.query.js';
