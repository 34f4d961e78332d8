export * from './main.js';
export { verifyAudit } from './sales/index.js';
export type { VerifyReport } from './audit/index.js';
export { serverDbOptions, serverMigrations } from './migrations/index.js';
export type { WarnAge } from './fiscal/index.js';
export type { ServerSchema } from './schema.js';
export { readCommerceMl, CommerceMlError, type CommerceMlCatalog } from './exchange/index.js';
export { CsvError } from './text.js';
export { writeCommerceMl } from './exchange/index.js';
export { readCatalogCsv, writeCatalogCsv } from './exchange/index.js';
export {
  readSalesCommerceMl,
  readSalesCsv,
  salesCommerceMl,
  salesCsv,
  type StoreDaySales,
} from './exchange/index.js';
