// Tills, store servers, scales and ККТ as the office sees them, and the commands sent to them.
export * from './devices.repo.js';
export * from './kkt.js';
export * from './store-reporter.js';
