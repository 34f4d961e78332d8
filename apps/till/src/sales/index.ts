// Shifts, sales, returns and cash at the till, fiscalised by its ККТ.
export * from './till.service.js';
