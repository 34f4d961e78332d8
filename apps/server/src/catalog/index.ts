// Master data: the versioned catalogue feed, its search and the store's mirror of the head office.
export * from './catalog.mirror.js';
export * from './catalog.service.js';
export * from './catalog.search.js';
