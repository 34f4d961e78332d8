export * from './main.js';
export { verifyAudit, type VerifyReport } from './audit/audit.verify.js';
export { serverDbOptions, serverMigrations } from './migrations.js';
export type { WarnAge } from './fiscal/backlog.js';
export type { ServerSchema } from './schema.js';
export { readCommerceMl, CommerceMlError, type CommerceMlCatalog } from './exchange/commerceml.js';
export { CsvError } from './exchange/text.js';
export { writeCommerceMl } from './exchange/commerceml.js';
export { readCatalogCsv, writeCatalogCsv } from './exchange/catalog-csv.js';
export {
  readSalesCommerceMl,
  readSalesCsv,
  salesCommerceMl,
  salesCsv,
  type StoreDaySales,
} from './exchange/sales-export.js';
