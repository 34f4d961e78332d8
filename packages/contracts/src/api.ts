import { z } from 'zod';
import { ENROLLED_KINDS, ROLES } from './access.js';
import { CATALOG_KINDS } from './catalog.js';
import { MAX_BATCH, salesBatch } from './sales.js';
import { deviceIdText, okSchema, queryInt, queryText, refused, route, storeCode } from './route.js';

/**
 * The cash server's HTTP API: every route, what it takes and what it answers. The server
 * registers exactly these (a test compares), and /api/v1/openapi.json is made from them.
 */

export const DEVICE_KINDS = ['till', 'store-server', 'scales'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];
export const COMMAND_KINDS = ['reloadCatalog', 'message', 'requestShiftClose'] as const;
export type CommandKind = (typeof COMMAND_KINDS)[number];
export const DIMENSIONS = [
  'store',
  'till',
  'cashier',
  'day',
  'month',
  'hour',
  'payment',
  'product',
  'category',
] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export const REPORT_FORMATS = ['json', 'csv', 'xlsx'] as const;

const STORE_CODE = /^[\w.-]{1,64}$/;
const oneStoreQuery = queryText(STORE_CODE, 'store is a store code');
const reportFormat = z.enum(REPORT_FORMATS, { error: 'format is json, csv or xlsx' });

/**
 * The period of a report: from and to days, and the stores asked for (a comma-separated list);
 * the server checks the days and the stores against the caller's.
 */
const period = {
  from: z.string({ error: 'from and to are days (YYYY-MM-DD), from ≤ to' }),
  to: z.string({ error: 'from and to are days (YYYY-MM-DD), from ≤ to' }),
  store: z.string().optional(),
};
/** A report's query: the format first (as it always was checked first), then its own fields, then the period. */
const reportQuery = <T extends z.ZodRawShape>(own: T) =>
  z.object({ format: reportFormat.optional(), ...own, ...period });

const ids = z.object({ id: z.string() });

// ---- the back office's session, users, devices' credentials --------------------------------

const userFields = z.object({
  login: z.string().regex(/^[\w.@-]{1,64}$/, 'letters, digits and ._@-'),
  name: z.string().min(1).max(64),
  role: z.enum(ROLES),
  stores: z.union([z.literal('*'), z.array(storeCode).min(1).max(1000)]),
  password: z.string().min(8, 'at least 8 characters').max(200),
});

export const authApi = {
  login: route({
    method: 'POST',
    url: '/api/v1/auth/login',
    public: true,
    summary:
      'Log in: {"login", "password"} → {"token", "expiresAt", "user"}. 401 wrong login or password, 403 locked after five failures (15 min), 429 too many attempts from this address.',
    body: z.object({ login: z.string().min(1).max(64), password: z.string().min(1).max(200) }),
    answers: {
      200: { description: '{token, expiresAt, user}' },
      400: refused(),
      401: refused('wrong login or password'),
      403: refused('locked'),
      429: refused('too many attempts from this address'),
    },
  }),
  logout: route({
    method: 'POST',
    url: '/api/v1/auth/logout',
    summary: 'End this session.',
    answers: { 200: { description: 'ok', schema: okSchema } },
  }),
  me: route({
    method: 'GET',
    url: '/api/v1/auth/me',
    summary: 'Who this token is: a user (role, stores) or an enrolled device (kind, store).',
    answers: { 200: { description: '{principal, permissions}' } },
  }),
  users: route({
    method: 'GET',
    url: '/api/v1/users',
    summary: 'Users with their role, stores, lock state (administrators).',
    answers: { 200: { description: '{users}' } },
  }),
  createUser: route({
    method: 'POST',
    url: '/api/v1/users',
    summary:
      'Create a user: {"login", "name", "role": cashier|senior|manager|analyst|admin, "stores": "*" or [codes], "password" (≥ 8)} (administrators).',
    body: userFields,
    answers: { 201: { description: 'the user' }, 400: refused(), 409: refused('the login is taken') },
  }),
  updateUser: route({
    method: 'PUT',
    url: '/api/v1/users/:id',
    summary: "Change name, role, stores, password or disabled; ends the user's sessions (administrators).",
    params: ids,
    body: userFields.omit({ login: true }).partial().extend({ disabled: z.boolean().optional() }).strict(),
    answers: {
      200: { description: 'the user' },
      400: refused(),
      404: refused('no such user'),
      409: refused(),
    },
  }),
  enrollmentCode: route({
    method: 'POST',
    url: '/api/v1/enrollment-codes',
    summary:
      'A one-time code for a device of a store: {"store", "kind": till|store-server|scale-server, "ttlHours"?} → {"code", "expiresAt"} (managers of that store, administrators).',
    body: z
      .object({
        store: storeCode,
        kind: z.enum(ENROLLED_KINDS),
        ttlHours: z
          .number()
          .int()
          .min(1)
          .max(24 * 30)
          .default(24),
      })
      .strict(),
    answers: { 201: { description: '{code, expiresAt}' }, 400: refused() },
  }),
  enroll: route({
    method: 'POST',
    url: '/api/v1/enroll',
    public: true,
    summary:
      'A device trades a code for its credentials: {"code", "deviceId", "name"} → {"token", "store", "kind"}; the token is shown once.',
    body: z
      .object({ code: z.string().min(16).max(40), deviceId: deviceIdText, name: z.string().min(1).max(128) })
      .strict(),
    answers: {
      201: { description: '{token, store, kind}' },
      400: refused(),
      403: refused('the code is not valid'),
    },
  }),
  credentials: route({
    method: 'GET',
    url: '/api/v1/devices/credentials',
    summary: 'Enrolled devices: store, kind, when enrolled, rotated, revoked.',
    answers: { 200: { description: '{credentials}' } },
  }),
  rotate: route({
    method: 'POST',
    url: '/api/v1/devices/credentials/rotate',
    summary: 'A device takes a new secret; the old one works until the new one is first used.',
    answers: { 200: { description: '{token}' } },
  }),
  revoke: route({
    method: 'POST',
    url: '/api/v1/devices/:id/revoke',
    summary: "Revoke a device's credentials at once.",
    params: ids,
    answers: {
      200: { description: 'ok', schema: okSchema },
      404: refused('not enrolled'),
      409: refused('revoked already'),
    },
  }),
};

// ---- the audit log -----------------------------------------------------------------------------

export const auditApi = {
  list: route({
    method: 'GET',
    url: '/api/v1/audit',
    summary: 'Audit log entries, newest first: ?limit (≤ 1000), ?before (entry number), ?action.',
    query: z.object({
      limit: queryInt(1, 1000, 'limit is 1..1000 and before an entry number').default(100),
      before: queryInt(
        Number.MIN_SAFE_INTEGER,
        Number.MAX_SAFE_INTEGER,
        'limit is 1..1000 and before an entry number',
      ).optional(),
      action: queryText(/^[\w.-]{1,64}$/, 'action is an action name').optional(),
    }),
    answers: { 200: { description: '{entries}' }, 400: refused() },
  }),
  verify: route({
    method: 'GET',
    url: '/api/v1/audit/verify',
    summary:
      'Check the hash chain and every till document against its audit entry: {ok, entries, documents, head, firstBroken, problems}.',
    answers: { 200: { description: 'the report' } },
  }),
};

// ---- fiscal documents and ФН -------------------------------------------------------------------

const backlogSchema = z.object({
  fns: z.array(
    z.object({
      fn: z.string(),
      unconfirmed: z.number().int(),
      documents: z.number().int(),
      oldestUnconfirmedAt: z.iso.datetime().nullable(),
      oldestAgeSeconds: z.number().int().nullable(),
      lastSeenAt: z.iso.datetime(),
      warning: z.string().nullable().describe('highest warning age passed (e.g. 24h, 5d)'),
    }),
  ),
});

const documentsSchema = z.object({
  documents: z.array(
    z.object({
      fn: z.string(),
      fd: z.number().int(),
      form: z.number().int(),
      state: z.enum(['received', 'forwarded', 'answered']),
      receivedAt: z.string(),
      forwardedAt: z.string().nullable(),
      answeredAt: z.string().nullable(),
      answerCode: z.number().int().nullable(),
      timesReceived: z.number().int(),
      attempts: z.number().int(),
      lastError: z.string().nullable(),
      parsed: z
        .record(z.string(), z.unknown())
        .nullable()
        .describe('the parsed document, when it was not encrypted'),
    }),
  ),
});

const fdQuery = (name: string, min: number, max: number) =>
  queryInt(min, max, `${name} must be a whole number ${min}..${max}`).optional();
/** An empty query value reads as absent (a search form sends every field). */
const orEmpty = <T extends z.ZodType>(s: T) => z.preprocess((v) => (v === '' ? undefined : v), s.optional());

export const fiscalApi = {
  fns: route({
    method: 'GET',
    url: '/api/v1/fiscal/fns',
    summary: 'ФН registered to stores (what --known-fn-only accepts).',
    query: z.object({ store: z.string().optional() }),
    answers: { 200: { description: '{fns}' } },
  }),
  registerFn: route({
    method: 'PUT',
    url: '/api/v1/fiscal/fns/:fn',
    summary: 'Register a ФН to a store: {"store"}.',
    params: z.object({ fn: queryText(/^\d{16}$/, 'fn is the 16-digit ФН number') }),
    body: z.object({ store: storeCode }).strict(),
    answers: { 200: { description: 'ok', schema: okSchema }, 400: refused() },
  }),
  backlog: route({
    method: 'GET',
    url: '/api/v1/fiscal/backlog',
    summary: 'Per ФН: unconfirmed documents, age of the oldest, last seen, warning level',
    query: z.object({
      all: z.string().optional().describe('also list ФН with nothing unconfirmed (true or 1)'),
    }),
    answers: { 200: { description: 'backlog', schema: backlogSchema, component: 'Backlog' } },
  }),
  documents: route({
    method: 'GET',
    url: '/api/v1/fiscal/documents',
    summary:
      'Fiscal documents with their delivery state, in (ФН, ФД) order: of one ФН, or found across every ФН by number, fiscal day or total.',
    query: z
      .object({
        fn: orEmpty(queryText(/^\d{16}$/, 'fn must be the 16-digit ФН number')),
        dateFrom: orEmpty(queryText(/^\d{4}-\d{2}-\d{2}$/, 'dateFrom is a day (YYYY-MM-DD)')),
        dateTo: orEmpty(queryText(/^\d{4}-\d{2}-\d{2}$/, 'dateTo is a day (YYYY-MM-DD)')),
        after: queryText(/^\d{16}\/\d{1,10}$/, 'after is the next value of an earlier page (fn/fd)')
          .optional()
          .describe('the next value of the previous page (fn/fd)'),
        fd: orEmpty(fdQuery('fd', 1, 2 ** 32)).describe('this ФД number'),
        from: orEmpty(fdQuery('from', 1, 2 ** 32)).describe('first ФД number'),
        to: orEmpty(fdQuery('to', 1, 2 ** 32)).describe('last ФД number'),
        total: orEmpty(fdQuery('total', 0, 2 ** 47)).describe("the receipt's total, kopecks"),
        limit: orEmpty(fdQuery('limit', 1, 10_000)),
      })
      .refine(
        (q) =>
          q.fn !== undefined ||
          q.fd !== undefined ||
          q.dateFrom !== undefined ||
          q.dateTo !== undefined ||
          q.total !== undefined,
        'say what to look for: fn (the 16-digit ФН number), fd, dateFrom/dateTo or total',
      ),
    answers: {
      200: { description: 'documents', schema: documentsSchema, component: 'Documents' },
      400: refused('bad query'),
    },
  }),
  document: route({
    method: 'GET',
    url: '/api/v1/fiscal/documents/:fn/:fd',
    summary:
      "One fiscal document: the receipt as the customer saw it (lines, payments, VAT, the QR payload and an SVG of its QR code), the till's sale it belongs to, and its delivery trail (received, forwarded, confirmed by the OFD).",
    params: z.object({
      fn: queryText(/^\d{16}$/, 'the address is /fiscal/documents/<16-digit ФН>/<ФД number>'),
      fd: queryText(/^\d{1,10}$/, 'the address is /fiscal/documents/<16-digit ФН>/<ФД number>')
        .transform(Number)
        .refine((n) => n >= 1, 'the address is /fiscal/documents/<16-digit ФН>/<ФД number>'),
    }),
    answers: {
      200: { description: '{fn, fd, form, document, receipt, qr, sale, delivery}' },
      404: refused('not here'),
    },
  }),
};

// ---- the catalogue -----------------------------------------------------------------------------

const itemId = (name: string) => queryText(/^[\w.@:-]{1,128}$/, `${name} is an item id`).optional();
const feedNumber = 'since ≥ 0, limit 1..50000 and wait 0..60 (seconds) are whole numbers';

export const catalogImportBody = z.discriminatedUnion('format', [
  z.object({ format: z.literal('csv'), csv: z.string().min(1) }),
  z.object({
    format: z.literal('cml'),
    importXml: z.string().min(1),
    offersXml: z.string().min(1).optional(),
    priceType: z.string().min(1).max(128).optional(),
  }),
]);

const CATALOG_EDIT = 'body must be {"items": [...]} with 1..50000 items';

export const catalogApi = {
  items: route({
    method: 'GET',
    url: '/api/v1/catalog/items',
    summary:
      'The catalogue as the back office reads it, a page at a time: ?kind=product|category|price|store|user, ?q (words of name, article, barcode, PLU), ?category, ?product, ?id, ?limit, ?after.',
    query: z.object({
      kind: z.enum(CATALOG_KINDS, { error: 'kind is one of product, category, price, store, user' }),
      limit: queryInt(1, 10_000, 'limit is a whole number 1..10000').default(50),
      q: z.string().max(200, 'q is at most 200 characters').optional(),
      category: itemId('category'),
      product: itemId('product'),
      id: itemId('id'),
      after: z.string().optional(),
    }),
    answers: { 200: { description: '{items, next}' }, 400: refused() },
  }),
  edit: route({
    method: 'PUT',
    url: '/api/v1/catalog/items',
    summary:
      'Write catalogue items (products, categories, prices, stores, users) as one new version of the feed: {"items": [{kind, data} | {kind, id, deleted: true}]}.',
    // each item is checked by the catalogue's own schema, so one bad item is named by its place
    body: z.object(
      {
        items: z.array(z.unknown(), { error: CATALOG_EDIT }).min(1, CATALOG_EDIT).max(50_000, CATALOG_EDIT),
      },
      { error: CATALOG_EDIT },
    ),
    sentences: true,
    answers: {
      200: { description: '{head}' },
      400: refused(),
      409: refused('a store server mirrors its head office'),
    },
  }),
  changes: route({
    method: 'GET',
    url: '/api/v1/catalog/changes',
    summary:
      'The catalogue feed after a version: ?since, ?limit, ?store, ?wait (seconds to wait for a change, long poll).',
    query: z.object({
      since: queryInt(0, Number.MAX_SAFE_INTEGER, feedNumber).default(0),
      limit: queryInt(1, 50_000, feedNumber).default(5000),
      wait: queryInt(0, 60, feedNumber).default(0),
      store: oneStoreQuery.optional(),
    }),
    answers: { 200: { description: '{changes, head, next}' }, 400: refused() },
  }),
  import: route({
    method: 'POST',
    url: '/api/v1/exchange/catalog',
    summary:
      'Load a catalogue file in the background: {"format": "csv", "csv": text} or {"format": "cml", "importXml": text, "offersXml"?: text, "priceType"?}. A file with a bad line is refused whole (400, every bad line named); otherwise 202 with the import, whose progress GET /api/v1/exchange/catalog/{id} shows.',
    body: catalogImportBody,
    answers: {
      202: { description: '{id, state, done, total, categories, products, unpriced, skipped}' },
      400: refused('what is wrong with the file'),
      409: refused('a store server mirrors its head office'),
    },
  }),
  importState: route({
    method: 'GET',
    url: '/api/v1/exchange/catalog/:id',
    summary:
      'A catalogue import: state (running, done, failed), items written of all, the summary, the catalogue version.',
    params: ids,
    answers: { 200: { description: 'the import' }, 404: refused('no such import on this server') },
  }),
};

const SHIFT_ASKED = 'store, till and shift (a whole number) are required';

// ---- sales -------------------------------------------------------------------------------------

export const salesApi = {
  batch: route({
    method: 'POST',
    url: '/api/v1/sales/batch',
    summary:
      'Upload sales documents (tills, or a store server forwarding). Each is stored once per id; the answer says per document: stored, duplicate or rejected with the reason. Answered only after commit.',
    // the envelope at the door; each document is checked on its own, so one bad one is refused alone
    body: z.object(
      {
        documents: z
          .array(z.unknown(), { error: 'body must be {"documents": [...]}' })
          .min(1, 'documents is empty')
          .max(MAX_BATCH, `at most ${MAX_BATCH} documents per batch`),
      },
      { error: 'body must be {"documents": [...]}' },
    ),
    sentences: true,
    documentedBody: { schema: salesBatch, component: 'SalesBatch' },
    answers: {
      200: {
        description: 'per-document results, in the order sent',
        schema: z.object({
          results: z.array(
            z.object({
              id: z.string(),
              status: z.enum(['stored', 'duplicate', 'rejected']),
              reason: z.string().optional(),
            }),
          ),
        }),
      },
      400: refused('not a batch at all (the documents list is missing, empty or too long)'),
    },
  }),
  shiftReport: route({
    method: 'GET',
    url: '/api/v1/sales/shift-report',
    summary: "X/Z totals of one till's shift from the stored documents, with the ККТ's totals at close",
    query: z.object({
      store: z.string({ error: SHIFT_ASKED }).min(1, SHIFT_ASKED).describe('store code'),
      till: z.string({ error: SHIFT_ASKED }).min(1, SHIFT_ASKED).describe('till code'),
      shift: queryInt(0, Number.MAX_SAFE_INTEGER, SHIFT_ASKED).describe('ККТ shift number'),
    }),
    answers: { 200: { description: 'totals' }, 400: refused('missing parameter') },
  }),
  review: route({
    method: 'GET',
    url: '/api/v1/sales/review',
    summary:
      'Fiscalised documents that broke a rule of the sales schema, kept as they came with the reason, for a person to look at: ?store, ?limit.',
    query: z.object({
      limit: queryInt(1, 1000, 'limit must be a whole number 1..1000').default(100),
      store: oneStoreQuery.optional(),
    }),
    answers: { 200: { description: '{documents, count}' }, 400: refused() },
  }),
  documents: route({
    method: 'GET',
    url: '/api/v1/sales/documents',
    summary:
      "A store's till documents as stored, in till and number order: ?store, ?till, ?day, ?limit (≤ 10,000).",
    query: z.object({
      store: z.string({ error: 'store is required' }).min(1, 'store is required'),
      format: z
        .literal('json', {
          error: 'format: the document list is JSON only; files of sales come from /api/v1/exchange/sales',
        })
        .optional(),
      limit: queryInt(1, 10_000, 'limit must be a whole number 1..10000').default(1000),
      till: z.string().optional(),
      day: z.string().optional(),
    }),
    answers: { 200: { description: '{documents}' }, 400: refused() },
  }),
  uplink: route({
    method: 'GET',
    url: '/api/v1/sales/uplink',
    summary: 'On a store server: documents waiting for the head office and the state of the link',
    answers: { 200: { description: 'uplink status' } },
  }),
};

// ---- reports and exports -----------------------------------------------------------------------

export const reportsApi = {
  sales: route({
    method: 'GET',
    url: '/api/v1/reports/sales',
    summary:
      'Sales by store, till, cashier, day, month, hour, payment, product or category: ?by&from&to[&store][&parent][&format=csv|xlsx].',
    query: reportQuery({
      by: z.enum(DIMENSIONS, { error: `by is one of ${DIMENSIONS.join(', ')}` }),
      parent: z.string().optional(),
    }),
    answers: { 200: { description: '{by, from, to, rows} or the file' }, 400: refused(), 403: refused() },
  }),
  shifts: route({
    method: 'GET',
    url: '/api/v1/reports/shifts',
    summary:
      'X/Z per shift with the ККТ agreement, a page at a time: ?from&to[&store][&till][&limit][&after][&format=csv|xlsx].',
    query: reportQuery({
      till: queryText(STORE_CODE, 'till is a till code').optional(),
      limit: queryInt(1, 200_000, 'limit is a whole number 1..200000').optional(),
      after: queryText(
        /^[\w.-]{1,64}\/[\w.-]{1,64}\/\d{1,9}$/,
        'after is store/till/shift, as `next` gives it',
      ).optional(),
    }),
    answers: { 200: { description: '{from, to, shifts, next} or the file' }, 400: refused(), 403: refused() },
  }),
  cashiers: route({
    method: 'GET',
    url: '/api/v1/reports/cashiers',
    summary: 'Per store and cashier: sales, returns, voids, approvals: ?from&to[&store][&format=csv|xlsx].',
    query: reportQuery({}),
    answers: { 200: { description: '{from, to, cashiers} or the file' }, 400: refused(), 403: refused() },
  }),
  anomalies: route({
    method: 'GET',
    url: '/api/v1/reports/anomalies',
    summary:
      'Returns, voids and approvals per store and cashier with outliers marked (rate above the median by more than 3 MAD): ?from&to[&store][&format=csv].',
    query: reportQuery({}),
    answers: { 200: { description: '{from, to, rows, …} or the file' }, 400: refused(), 403: refused() },
  }),
  reconciliation: route({
    method: 'GET',
    url: '/api/v1/reports/reconciliation',
    summary:
      'What is missing where: till documents without their fiscal document and the reverse, shifts whose ККТ totals disagree, and whether the stored documents still match the audit log: ?store[&format=csv|xlsx].',
    query: z.object({ format: reportFormat.optional(), store: oneStoreQuery.optional() }),
    answers: {
      200: { description: '{counts, gaps, integrity} or the file' },
      400: refused(),
      403: refused(),
    },
  }),
  salesExport: route({
    method: 'GET',
    url: '/api/v1/exchange/sales',
    summary:
      'Sales per day and store for the accounting system (at most 31 days): ?from&to[&store][&format=json|csv|cml (CommerceML 2 documents, as 1C reads them)].',
    query: z.object({
      ...period,
      format: z
        .enum(['json', 'csv', 'cml'], { error: 'format is json, csv or cml (CommerceML 2)' })
        .default('json'),
    }),
    answers: { 200: { description: '{from, to, days} or the file' }, 400: refused(), 403: refused() },
  }),
};

// ---- devices -----------------------------------------------------------------------------------

const statusRecord = z.record(z.string(), z.unknown()).default({});

export const heartbeatBody = z.object({
  id: z.string().regex(/^[\w.:/@-]{1,128}$/),
  kind: z.enum(DEVICE_KINDS),
  store: z.string().regex(STORE_CODE),
  name: z.string().min(1).max(128).optional(),
  version: z.string().min(1).max(64),
  status: statusRecord,
  devices: z
    .array(
      z.object({
        id: z.string().regex(/^[\w.:/@-]{1,128}$/),
        kind: z.enum(DEVICE_KINDS),
        name: z.string().min(1).max(128),
        version: z.string().max(64),
        lastSeenAt: z.iso.datetime({ offset: true }),
        status: statusRecord,
      }),
    )
    .max(2000)
    .optional(),
  holding: z.array(z.string().max(64)).max(2000).optional(),
  results: z
    .array(
      z.object({
        id: z.string().max(64),
        deviceId: z.string().max(128),
        ok: z.boolean(),
        result: z.unknown(),
      }),
    )
    .max(2000)
    .optional(),
});
export type HeartbeatBody = z.output<typeof heartbeatBody>;

export const devicesApi = {
  heartbeat: route({
    method: 'POST',
    url: '/api/v1/devices/heartbeat',
    summary:
      'A till, store server or scale server reports itself (id, kind, store, version, its state; a store server also the devices behind it); the answer carries the commands waiting for it, each handed out once',
    body: heartbeatBody,
    answers: { 200: { description: '{commands}' }, 400: refused(), 403: refused() },
  }),
  list: route({
    method: 'GET',
    url: '/api/v1/devices',
    summary: 'Devices with their last report, online state and recent commands',
    query: z.object({ store: oneStoreQuery.optional().describe('only this store') }),
    answers: { 200: { description: '{devices}' } },
  }),
  kkt: route({
    method: 'GET',
    url: '/api/v1/devices/kkt',
    summary:
      'Each ККТ by its ФН: the till that drives it (store, address, last ФД it saw, online) and what the relay has of it (documents, unconfirmed by the OFD, oldest unconfirmed, warning)',
    query: z.object({ store: oneStoreQuery.optional().describe('only this store') }),
    answers: { 200: { description: '{kkt}' } },
  }),
  register: route({
    method: 'PUT',
    url: '/api/v1/devices/:id',
    summary:
      'Enters a device by hand (scales before their server reports): {kind, store, name, status}; refused (409) for a device that reports itself',
    params: z.object({ id: queryText(/^[\w.:/@-]{1,128}$/, 'id: letters, digits and .:/@-') }),
    body: z.object({
      kind: z.enum(DEVICE_KINDS),
      store: z.string().regex(STORE_CODE),
      name: z.string().min(1).max(128),
      /** Where it is reached and how, for scales: {"address": "10.0.0.7:1111", "protocol": "cas-lp"}. */
      status: statusRecord,
    }),
    answers: {
      200: { description: '{ok}', schema: okSchema },
      400: refused(),
      409: refused('it reports itself'),
    },
  }),
  command: route({
    method: 'POST',
    url: '/api/v1/devices/:id/commands',
    summary: 'Queue a command for a device: reloadCatalog, message {text}, requestShiftClose',
    params: ids,
    body: z
      .object({ kind: z.enum(COMMAND_KINDS), payload: z.record(z.string(), z.unknown()).default({}) })
      .refine((c) => c.kind !== 'message' || typeof c.payload.text === 'string', {
        message: 'a message command needs payload.text',
        path: ['payload', 'text'],
      }),
    answers: {
      200: { description: 'the command' },
      400: refused('bad command'),
      404: refused('the device has never reported'),
    },
  }),
  commandResult: route({
    method: 'POST',
    url: '/api/v1/devices/:id/commands/:command/result',
    summary: "The device's answer to a command: {ok, result}",
    params: z.object({ id: z.string(), command: z.string() }),
    body: z.object({ ok: z.boolean(), result: z.unknown() }),
    answers: { 200: { description: 'recorded', schema: okSchema }, 404: refused('no such open command') },
  }),
};

// ---- what a monitor reads ----------------------------------------------------------------------

export const systemApi = {
  health: route({
    method: 'GET',
    url: '/healthz',
    public: true,
    summary: 'Liveness, the database and every background worker: ok, or degraded (503) naming what is wrong',
    answers: {
      200: { description: 'ok' },
      503: { description: 'degraded: the database is away or a worker restarting' },
    },
  }),
  metrics: route({
    method: 'GET',
    url: '/metrics',
    public: true,
    summary: 'Prometheus metrics',
    answers: { 200: { description: 'text exposition format' } },
  }),
  openapi: route({
    method: 'GET',
    url: '/api/v1/openapi.json',
    public: true,
    summary: 'This document',
    answers: { 200: { description: 'OpenAPI 3.1' } },
  }),
};

/** Every route of the cash server's API. */
export const SERVER_API = [
  ...Object.values(systemApi),
  ...Object.values(authApi),
  ...Object.values(auditApi),
  ...Object.values(fiscalApi),
  ...Object.values(catalogApi),
  ...Object.values(salesApi),
  ...Object.values(reportsApi),
  ...Object.values(devicesApi),
];
