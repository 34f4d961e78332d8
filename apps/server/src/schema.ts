import type { CoreSchema } from '@openkassa/db';

/** The relay's store: one row per (ФН, ФД), the message as received and the OFD's answer. */
export interface FiscalMessagesTable {
  fn: string;
  fd: number;
  form: number;
  message: Uint8Array;
  first_received_at: string;
  last_seen_at: string;
  times_received: number;
  /** received → forwarded (sent, no answer yet) → answered. */
  state: 'received' | 'forwarded' | 'answered';
  attempts: number;
  next_attempt_at: string;
  claimed_by: string | null;
  claimed_until: string | null;
  forwarded_at: string | null;
  answer: Uint8Array | null;
  answer_code: number | null;
  answered_at: string | null;
  last_error: string | null;
  /** 1 while a stored plaintext document is not yet in the central database. */
  unparsed: number | null;
}

/** Parsed documents: the central fiscal database. */
export interface FiscalDocumentsTable {
  fn: string;
  fd: number;
  form: number;
  ffd: string | null;
  fiscal_time: number | null;
  shift_number: number | null;
  receipt_number: number | null;
  operation_type: number | null;
  total: number | null;
  cash: number | null;
  ecash: number | null;
  prepaid: number | null;
  credit: number | null;
  provision: number | null;
  kkt_reg_id: string | null;
  user_inn: string | null;
  cashier: string | null;
  flk_ok: number;
  flk_json: string;
  fns_json: string;
  received_at: string;
}

export interface FiscalItemsTable {
  fn: string;
  fd: number;
  line_no: number;
  name: string | null;
  price: number | null;
  /** Exact decimal text ("0.345"). */
  quantity: string | null;
  sum: number | null;
  vat_rate: number | null;
  vat_sum: number | null;
  payment_method: number | null;
  product_type: number | null;
  measure: number | null;
}

/** Sales documents uploaded by tills (or forwarded by a store server), once per client id. */
export interface SalesDocumentsTable {
  id: string;
  store: string;
  till: string;
  kind: string;
  at: string;
  /** The calendar day of `at` in the till's own offset (its business day). */
  day: string;
  shift: number;
  number: number;
  cashier: string;
  total: number;
  cash: number;
  card: number;
  original_id: string | null;
  fn: string | null;
  fd: number | null;
  /** SHA-256 of the document as stored, to tell a re-send from a different document under one id. */
  payload_hash: string;
  payload_json: string;
  received_at: string;
  /** The audit entry that recorded it (null: stored before the audit log began). */
  audit_seq: number | null;
}

export interface SalesLinesTable {
  doc_id: string;
  line_no: number;
  product_id: string | null;
  barcode: string | null;
  name: string;
  quantity: string;
  price: number;
  sum: number;
  vat: number;
}

/** A fiscalised document that broke a rule of the sales schema, kept as it came with the reason. */
export interface SalesReviewTable {
  id: string;
  store: string;
  till: string | null;
  kind: string | null;
  fn: string;
  fd: number;
  reason: string;
  payload_json: string;
  payload_hash: string;
  received_at: string;
  upstream_state: 'pending' | 'sent' | 'rejected' | null;
}

export interface SalesOutboxTable {
  doc_id: string;
  queued_at: string;
  state: 'pending' | 'sent' | 'rejected';
  attempts: number;
  last_error: string | null;
}

export interface CatalogItemsTable {
  kind: string;
  id: string;
  version: number;
  deleted: number;
  scope: string | null;
  /** For products: the category id. */
  category: string | null;
  data_json: string | null;
  /** Products and categories: their words in lower case, for the back office's search. */
  search: string | null;
}

export interface SalesRollupDocsTable {
  day: string;
  hour: number;
  store: string;
  till: string;
  cashier: string;
  kind: string;
  count: number;
  total: number;
  cash: number;
  card: number;
}

export interface SalesRollupDocsMonthTable {
  month: string;
  store: string;
  till: string;
  cashier: string;
  kind: string;
  count: number;
  total: number;
  cash: number;
  card: number;
}

export interface SalesRollupProductsMonthTable {
  month: string;
  product_id: string;
  kind: string;
  name: string;
  qty_milli: number;
  amount: number;
}

export interface SalesRollupHoursTable {
  day: string;
  hour: number;
  kind: string;
  count: number;
  total: number;
  cash: number;
  card: number;
}

export interface SalesRollupLinesTable {
  day: string;
  store: string;
  product_id: string;
  kind: string;
  name: string;
  qty_milli: number;
  amount: number;
}

export interface SalesRollupShiftsTable {
  store: string;
  till: string;
  shift: number;
  sale_count: number;
  sale_total: number;
  sale_cash: number;
  sale_card: number;
  return_count: number;
  return_total: number;
  return_cash: number;
  return_card: number;
  cash_in: number;
  cash_out: number;
  first_day: string;
  last_day: string;
  /** '' until the opening / the close has arrived. */
  opened_at: string;
  closed_at: string;
  kkt_json: string;
}

export interface CatalogHeadTable {
  id: number;
  version: number;
}

export interface DevicesTable {
  id: string;
  kind: string;
  store: string;
  name: string;
  version: string;
  first_seen_at: string;
  last_seen_at: string;
  status_json: string;
}

export interface DeviceCommandsTable {
  id: string;
  device_id: string;
  kind: string;
  payload_json: string;
  state: 'pending' | 'delivered' | 'done' | 'failed';
  created_at: string;
  delivered_at: string | null;
  done_at: string | null;
  result_json: string | null;
}

export interface UsersTable {
  id: string;
  login: string;
  name: string;
  role: string;
  /** '*' or a JSON list of store codes. */
  stores: string;
  password_hash: string;
  failed_logins: number;
  locked_until: string | null;
  disabled: number;
  created_at: string;
  updated_at: string;
}

export interface SessionsTable {
  /** SHA-256 of the token: a stolen copy of the database holds no usable session. */
  token_hash: string;
  user_id: string;
  created_at: string;
  expires_at: string;
}

export interface DeviceCredentialsTable {
  device_id: string;
  kind: string;
  store: string;
  name: string;
  secret_hash: string;
  previous_hash: string | null;
  enrolled_at: string;
  rotated_at: string | null;
  revoked_at: string | null;
}

export interface EnrollmentCodesTable {
  code_hash: string;
  store: string;
  kind: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  used_by: string | null;
}

export interface UpstreamCredentialsTable {
  upstream: string;
  device_id: string;
  secret: string;
}

export interface KnownFnsTable {
  fn: string;
  store: string;
  registered_at: string;
  registered_by: string;
}

export interface AuditLogTable {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  detail_json: string;
  prev_hash: string;
  hash: string;
}

export interface ServerSchema extends CoreSchema {
  users: UsersTable;
  sessions: SessionsTable;
  device_credentials: DeviceCredentialsTable;
  enrollment_codes: EnrollmentCodesTable;
  upstream_credentials: UpstreamCredentialsTable;
  known_fns: KnownFnsTable;
  audit_log: AuditLogTable;
  devices: DevicesTable;
  device_commands: DeviceCommandsTable;
  catalog_items: CatalogItemsTable;
  catalog_head: CatalogHeadTable;
  sales_rollup_docs: SalesRollupDocsTable;
  sales_rollup_lines: SalesRollupLinesTable;
  sales_rollup_docs_m: SalesRollupDocsMonthTable;
  sales_rollup_hours: SalesRollupHoursTable;
  sales_rollup_products_m: SalesRollupProductsMonthTable;
  sales_rollup_shifts: SalesRollupShiftsTable;
  sales_documents: SalesDocumentsTable;
  sales_lines: SalesLinesTable;
  /** Views: the live tables and the archive together (read only). */
  all_sales_documents: SalesDocumentsTable;
  all_sales_lines: SalesLinesTable;
  sales_outbox: SalesOutboxTable;
  sales_review: SalesReviewTable;
  fiscal_messages: FiscalMessagesTable;
  fiscal_documents: FiscalDocumentsTable;
  fiscal_items: FiscalItemsTable;
}
