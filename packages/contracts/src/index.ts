export * from './sales.js';
export * from './samples.js';
