// Files to and from accounting systems: CommerceML 2 and CSV catalogues, sales per day.
export * from './catalog-csv.js';
export * from './commerceml.js';
export * from './sales-export.js';
