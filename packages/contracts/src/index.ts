export * from './sales.js';
export * from './samples.js';
export * from './catalog.js';
export * from './access.js';
