import type { CoreSchema } from '@openkassa/db';

export interface SettingsTable {
  key: string;
  value_json: string;
}

export interface ProductsTable {
  id: string;
  name: string;
  /** Lower-case name for search. */
  search_name: string;
  /** Kopecks per piece, or per kilogram for weighted goods. */
  price: number;
  vat: number;
  weighted: number;
  /** Scale item code (in-store barcodes carry it). */
  plu: string | null;
  article: string | null;
}

export interface BarcodesTable {
  code: string;
  product_id: string;
}

export interface UsersTable {
  id: string;
  name: string;
  role: string;
  pin_hash: string;
  pin_salt: string;
}

/**
 * Every till document, written before the ККТ is asked to fiscalise it: pending until the ККТ's
 * answer is recorded (done) or it refused (failed, nothing fiscalised).
 */
export interface DocumentsTable {
  id: string;
  number: number;
  kind: string;
  state: 'pending' | 'done' | 'failed';
  shift: number;
  cashier: string;
  created_at: string;
  total: number;
  cash: number;
  card: number;
  tendered: number;
  change: number;
  lines_json: string;
  original_id: string | null;
  /** The uuid of the ATOL request, by which the outcome is recovered from the ККТ. */
  kkt_uuid: string;
  kkt_tasks_json: string;
  fiscal_json: string | null;
  kkt_totals_json: string | null;
  error: string | null;
  /** The upload form (contracts SalesDocument), once done. */
  doc_json: string | null;
  /** The catalogue version the till had when the document was made. */
  catalog_version: number | null;
  /** A supervisor's approval of an operation beyond the cashier's role (JSON). */
  approval_json: string | null;
}

export interface PricesTable {
  id: string;
  product_id: string;
  scope: string;
  price: number;
  valid_from: string | null;
  valid_to: string | null;
}

export interface OutboxTable {
  doc_id: string;
  seq: number;
  state: 'pending' | 'sent' | 'rejected';
  last_error: string | null;
}

export interface TillSchema extends CoreSchema {
  settings: SettingsTable;
  products: ProductsTable;
  barcodes: BarcodesTable;
  users: UsersTable;
  documents: DocumentsTable;
  outbox: OutboxTable;
  prices: PricesTable;
}
