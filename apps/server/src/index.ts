export * from './main.js';
export { serverDbOptions, serverMigrations } from './migrations.js';
export type { WarnAge } from './fiscal/backlog.js';
export type { ServerSchema } from './schema.js';
export { readCommerceMl, CommerceMlError, type CommerceMlCatalog } from './exchange/commerceml.js';
