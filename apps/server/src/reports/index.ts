// Reports over the sums kept on ingest, as JSON and as files.
export * from './reports.repo.js';
export * from './shifts.js';
export * from './anomalies.js';
export * from './reconciliation.js';
export * from './table.js';
export * from './reports.http.js';
