export * from './sales.js';
export * from './samples.js';
export * from './catalog.js';
export * from './access.js';
export * from './route.js';
export * from './api.js';
export * from './openapi.js';
export * from './errors.js';
