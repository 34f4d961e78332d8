// Till documents: ingest, their canonical form and hash, the sums kept per shift, the audit check
// of the stored documents, archive and uplink. Its routes are registered by app.ts.
export { SalesIngest, type BatchOutcome } from './sales.service.js';
export { canonicalJson, payloadHash } from './sales.repo.js';
export { milli } from './sales.rollup.js';
export * from './sales.shifts.js';
export { verifyAudit } from './sales.verify.js';
export { heldForReview, keepForReview, reviewCount } from './sales.review.js';
export * from './sales.archive.js';
export { serverSalesOutbox } from './sales.outbox.js';
