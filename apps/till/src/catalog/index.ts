// The till's copy of the catalogue: its store, lookups and the feed that keeps it current.
export * from './catalog.repo.js';
export * from './catalog.feed.js';
