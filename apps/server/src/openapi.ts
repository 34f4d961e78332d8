import { z } from 'zod';
import { salesBatch } from '@openkassa/contracts';

const query = (
  name: string,
  description: string,
  type: 'string' | 'integer' = 'string',
  required = false,
) => ({
  name,
  in: 'query',
  description,
  required,
  schema: { type },
});

/** The cash server's HTTP API, described for clients and for people (served at /api/v1/openapi.json). */
export const openapi = {
  openapi: '3.1.0',
  info: {
    title: 'OpenKassa cash server',
    version: '0.1.0',
    description: 'Fiscal relay with store-and-forward, the central fiscal database and sales ingest.',
  },
  security: [{ bearer: [] }],
  paths: {
    '/api/v1/auth/login': {
      post: {
        summary:
          'Log in: {"login", "password"} → {"token", "expiresAt", "user"}. 401 wrong login or password, 403 locked after five failures (15 min), 429 too many attempts from this address.',
        security: [],
      },
    },
    '/api/v1/auth/logout': { post: { summary: 'End this session.' } },
    '/api/v1/auth/me': {
      get: { summary: 'Who this token is: a user (role, stores) or an enrolled device (kind, store).' },
    },
    '/api/v1/users': {
      get: { summary: 'Users with their role, stores, lock state (administrators).' },
      post: {
        summary:
          'Create a user: {"login", "name", "role": cashier|senior|manager|analyst|admin, "stores": "*" or [codes], "password" (≥ 8)} (administrators).',
      },
    },
    '/api/v1/users/{id}': {
      put: {
        summary:
          "Change name, role, stores, password or disabled; ends the user's sessions (administrators).",
      },
    },
    '/api/v1/enrollment-codes': {
      post: {
        summary:
          'A one-time code for a device of a store: {"store", "kind": till|store-server|scale-server, "ttlHours"?} → {"code", "expiresAt"} (managers of that store, administrators).',
      },
    },
    '/api/v1/enroll': {
      post: {
        summary:
          'A device trades a code for its credentials: {"code", "deviceId", "name"} → {"token", "store", "kind"}; the token is shown once.',
        security: [],
      },
    },
    '/api/v1/devices/credentials': {
      get: { summary: 'Enrolled devices: store, kind, when enrolled, rotated, revoked.' },
    },
    '/api/v1/devices/credentials/rotate': {
      post: { summary: 'A device takes a new secret; the old one works until the new one is first used.' },
    },
    '/api/v1/devices/{id}/revoke': { post: { summary: "Revoke a device's credentials at once." } },
    '/api/v1/fiscal/fns': { get: { summary: 'ФН registered to stores (what --known-fn-only accepts).' } },
    '/api/v1/fiscal/fns/{fn}': { put: { summary: 'Register a ФН to a store: {"store"}.' } },
    '/api/v1/audit': {
      get: { summary: 'Audit log entries, newest first: ?limit (≤ 1000), ?before (entry number), ?action.' },
    },
    '/api/v1/audit/verify': {
      get: {
        summary:
          'Check the hash chain and every till document against its audit entry: {ok, entries, documents, head, firstBroken, problems}.',
      },
    },
    '/api/v1/reports/anomalies': {
      get: {
        summary:
          'Returns, voids and approvals per store and cashier with outliers marked (rate above the median by more than 3 MAD): ?from&to[&store][&format=csv].',
      },
    },
    '/api/v1/sales/batch': {
      post: {
        summary:
          'Upload sales documents (tills, or a store server forwarding). Each is stored once per id; the answer says per document: stored, duplicate or rejected with the reason. Answered only after commit.',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/SalesBatch' } } },
        },
        responses: {
          '200': {
            description: 'per-document results, in the order sent',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    results: {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: {
                          id: { type: 'string' },
                          status: { type: 'string', enum: ['stored', 'duplicate', 'rejected'] },
                          reason: { type: 'string' },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
          '400': {
            description: 'not a batch at all (the documents list is missing, empty or too long)',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        },
      },
    },
    '/api/v1/sales/shift-report': {
      get: {
        summary: "X/Z totals of one till's shift from the stored documents, with the ККТ's totals at close",
        parameters: [
          query('store', 'store code', 'string', true),
          query('till', 'till code', 'string', true),
          query('shift', 'ККТ shift number', 'integer', true),
        ],
        responses: { '200': { description: 'totals' }, '400': { description: 'missing parameter' } },
      },
    },
    '/api/v1/sales/documents': {
      get: {
        summary: 'Stored sales documents of a store, by till and number',
        parameters: [
          query('store', 'store code', 'string', true),
          query('till', 'till code'),
          query('day', 'business day, YYYY-MM-DD'),
          query('limit', 'at most this many (1..10000, default 1000)', 'integer'),
        ],
        responses: {
          '200': { description: 'documents as uploaded, with receivedAt' },
          '400': {
            description: 'bad parameter (format other than json: files come from /api/v1/exchange/sales)',
          },
        },
      },
    },
    '/api/v1/catalog/items': {
      get: {
        summary:
          'The catalogue as it is now, a page at a time (the back office): products and categories in name order, searched in the database by every word of q (name, article, barcode, PLU, id; any case); prices of one product; stores; till users.',
        parameters: [
          query('kind', 'product | category | price | store | user', 'string', true),
          query('q', 'words that must all appear (products, categories)'),
          query('category', 'products directly in this category'),
          query('product', 'for kind=price: the prices of this product'),
          query('id', 'just this item'),
          query('limit', '1..10000, default 50', 'integer'),
          query('after', 'the next value of the previous page'),
        ],
        responses: {
          '200': { description: '{items: [{kind, id, version, data}], next}' },
          '400': { description: 'bad parameter' },
        },
      },
      put: {
        summary:
          'Head office: add, change or remove catalogue items (products with barcodes, categories, prices per store or group with validity, stores with their till settings, till users with a PIN kept only as its salted hash). Every item is checked; one bad item changes nothing. Each change gets a new catalogue version.',
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  items: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        kind: { type: 'string', enum: ['product', 'category', 'price', 'store'] },
                        data: { type: 'object' },
                        id: { type: 'string', description: 'with deleted: the item to remove' },
                        deleted: { type: 'boolean' },
                      },
                    },
                  },
                },
              },
            },
          },
        },
        responses: {
          '200': { description: 'the new catalogue version (head)' },
          '400': { description: 'what is wrong, item by item' },
          '409': { description: 'a store server mirrors its head office and takes no edits' },
        },
      },
    },
    '/api/v1/catalog/changes': {
      get: {
        summary:
          'The change feed: items changed after a cursor, oldest first; from 0 a compact snapshot. Tills give their store to get only the prices that apply to it. With wait, an empty answer waits for the next change. Till users carry the salted hash of their PIN to enrolled devices only.',
        parameters: [
          query('since', 'cursor: the last version applied (0 for everything)', 'integer'),
          query('limit', '1..50000, default 5000', 'integer'),
          query('store', "a till's store code: only its prices and its store record"),
          query('wait', 'seconds to wait for a change when there is none (0..60)', 'integer'),
        ],
        responses: {
          '200': { description: '{changes, cursor, head}' },
          '400': { description: 'bad parameter' },
        },
      },
    },
    '/api/v1/reports/sales': {
      get: {
        summary:
          'Sales over a period by store, till, cashier, day, month, hour, payment type, product or category (each category with its whole subtree; parent drills down), from sums kept current on ingest.',
        parameters: [
          query(
            'by',
            'store | till | cashier | day | month | hour | payment | product | category',
            'string',
            true,
          ),
          query('from', 'first business day, YYYY-MM-DD', 'string', true),
          query('to', 'last business day, YYYY-MM-DD', 'string', true),
          query('store', 'comma-separated store codes (all when absent)'),
          query('parent', 'for by=category: show the children of this category'),
          query('format', 'json (default), csv or xlsx'),
        ],
        responses: {
          '200': {
            description: 'rows: key, label, receipts, returns, sales, returned, net (kopecks), quantity',
          },
        },
      },
    },
    '/api/v1/reports/reconciliation': {
      get: {
        summary:
          'What is missing where: till receipts whose fiscal document has not reached the relay, fiscal receipts without a till document, totals that differ, documents the OFD has not confirmed',
        parameters: [
          query('store', 'only this store (for the till-side lists)'),
          query('format', 'json (default); csv or xlsx: every gap, one line each'),
        ],
        responses: { '200': { description: '{counts, gaps}' } },
      },
    },
    '/api/v1/reports/shifts': {
      get: {
        summary:
          'X/Z per shift: each till shift with a document in the period, its sales, returns and cash moves, the ККТ’s own totals at the close and whether they agree',
        parameters: [
          query('from', 'first day, YYYY-MM-DD', 'string', true),
          query('to', 'last day, YYYY-MM-DD', 'string', true),
          query('store', 'only this store'),
          query('till', 'only this till'),
          query('limit', 'shifts per page (1000; a CSV file: all)', 'integer'),
          query('after', 'the `next` of the previous page (store/till/shift)'),
          query('format', 'json (default), csv or xlsx'),
        ],
        responses: {
          '200': { description: '{from, to, shifts, next}' },
          '400': { description: 'what is wrong' },
        },
      },
    },
    '/api/v1/reports/cashiers': {
      get: {
        summary: 'Sales, returns and voids (lines taken off a receipt before payment) per store and cashier',
        parameters: [
          query('from', 'first day, YYYY-MM-DD', 'string', true),
          query('to', 'last day, YYYY-MM-DD', 'string', true),
          query('store', 'comma-separated store codes'),
          query('format', 'json (default), csv or xlsx'),
        ],
        responses: {
          '200': { description: '{from, to, cashiers}' },
          '400': { description: 'what is wrong' },
        },
      },
    },
    '/api/v1/exchange/sales': {
      get: {
        summary:
          'Sales and returns per day and store for the accounting system (goods with quantity, sum and VAT; receipts; cash and card), from the live tables and the archive; up to 31 days',
        parameters: [
          query('from', 'first day, YYYY-MM-DD', 'string', true),
          query('to', 'last day, YYYY-MM-DD', 'string', true),
          query('store', 'only this store'),
          query('format', 'json (default), csv, or cml (CommerceML 2 documents, as 1C reads them)'),
        ],
        responses: {
          '200': { description: '{from, to, days} or the file' },
          '400': { description: 'what is wrong' },
        },
      },
    },
    '/api/v1/devices/heartbeat': {
      post: {
        summary:
          'A till, store server or scale server reports itself (id, kind, store, version, its state; a store server also the devices behind it); the answer carries the commands waiting for it, each handed out once',
        responses: { '200': { description: '{commands}' }, '400': { description: 'what is wrong' } },
      },
    },
    '/api/v1/devices': {
      get: {
        summary: 'Devices with their last report, online state and recent commands',
        parameters: [query('store', 'only this store')],
        responses: { '200': { description: '{devices}' } },
      },
    },
    '/api/v1/devices/kkt': {
      get: {
        summary:
          'Each ККТ by its ФН: the till that drives it (store, address, last ФД it saw, online) and what the relay has of it (documents, unconfirmed by the OFD, oldest unconfirmed, warning)',
        parameters: [query('store', 'only this store')],
        responses: { '200': { description: '{kkt}' } },
      },
    },
    '/api/v1/devices/{id}': {
      put: {
        summary:
          'Enters a device by hand (scales before their server reports): {kind, store, name, status}; refused (409) for a device that reports itself',
        responses: {
          '200': { description: '{ok}' },
          '400': { description: 'what is wrong' },
          '409': { description: 'it reports itself' },
        },
      },
    },
    '/api/v1/devices/{id}/commands': {
      post: {
        summary: 'Queue a command for a device: reloadCatalog, message {text}, requestShiftClose',
        responses: {
          '200': { description: 'the command' },
          '400': { description: 'bad command' },
          '404': { description: 'the device has never reported' },
        },
      },
    },
    '/api/v1/devices/{id}/commands/{command}/result': {
      post: {
        summary: "The device's answer to a command: {ok, result}",
        responses: { '200': { description: 'recorded' }, '404': { description: 'no such open command' } },
      },
    },
    '/api/v1/sales/uplink': {
      get: {
        summary: 'On a store server: documents waiting for the head office and the state of the link',
        responses: { '200': { description: 'uplink status' } },
      },
    },
    '/healthz': {
      get: {
        summary: 'Liveness and database check',
        responses: { '200': { description: 'ok' }, '503': { description: 'database unreachable' } },
      },
    },
    '/metrics': {
      get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text exposition format' } } },
    },
    '/api/v1/fiscal/backlog': {
      get: {
        summary: 'Per ФН: unconfirmed documents, age of the oldest, last seen, warning level',
        parameters: [
          {
            name: 'all',
            in: 'query',
            description: 'also list ФН with nothing unconfirmed',
            schema: { type: 'boolean' },
          },
        ],
        responses: {
          '200': {
            description: 'backlog',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Backlog' } } },
          },
        },
      },
    },
    '/api/v1/fiscal/documents/{fn}/{fd}': {
      get: {
        summary:
          "One fiscal document: the receipt as the customer saw it (lines, payments, VAT, the QR payload and an SVG of its QR code), the till's sale it belongs to, and its delivery trail (received, forwarded, confirmed by the OFD).",
        responses: {
          '200': { description: '{fn, fd, form, document, receipt, qr, sale, delivery}' },
          '404': { description: 'not here' },
        },
      },
    },
    '/api/v1/exchange/catalog': {
      post: {
        summary:
          'Load a catalogue file in the background: {"format": "csv", "csv": text} or {"format": "cml", "importXml": text, "offersXml"?: text, "priceType"?}. A file with a bad line is refused whole (400, every bad line named); otherwise 202 with the import, whose progress GET /api/v1/exchange/catalog/{id} shows.',
        responses: {
          '202': { description: '{id, state, done, total, categories, products, unpriced, skipped}' },
          '400': { description: 'what is wrong with the file' },
          '409': { description: 'a store server mirrors its head office' },
        },
      },
    },
    '/api/v1/exchange/catalog/{id}': {
      get: {
        summary:
          'A catalogue import: state (running, done, failed), items written of all, the summary, the catalogue version.',
        responses: {
          '200': { description: 'the import' },
          '404': { description: 'no such import on this server' },
        },
      },
    },
    '/api/v1/fiscal/documents': {
      get: {
        summary:
          'Fiscal documents with their delivery state, in (ФН, ФД) order: of one ФН, or found across every ФН by number, fiscal day or total.',
        parameters: [
          { name: 'fn', in: 'query', schema: { type: 'string', pattern: '^[0-9]{16}$' } },
          query('fd', 'this ФД number', 'integer'),
          query('dateFrom', 'first fiscal (local) day, YYYY-MM-DD'),
          query('dateTo', 'last fiscal (local) day, YYYY-MM-DD'),
          query('total', "the receipt's total, kopecks", 'integer'),
          query('after', 'the next value of the previous page (fn/fd)'),
          {
            name: 'from',
            in: 'query',
            description: 'first ФД number',
            schema: { type: 'integer', minimum: 1 },
          },
          { name: 'to', in: 'query', description: 'last ФД number', schema: { type: 'integer', minimum: 1 } },
          {
            name: 'limit',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 },
          },
        ],
        responses: {
          '200': {
            description: 'documents',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Documents' } } },
          },
          '400': {
            description: 'bad query',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        },
      },
    },
  },
  components: {
    securitySchemes: {
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description: "A session token from /api/v1/auth/login, or an enrolled device's token.",
      },
    },
    schemas: {
      SalesBatch: z.toJSONSchema(salesBatch, { io: 'input' }),
      Error: {
        type: 'object',
        properties: {
          error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
        },
      },
      Backlog: {
        type: 'object',
        properties: {
          fns: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                fn: { type: 'string' },
                unconfirmed: { type: 'integer' },
                documents: { type: 'integer' },
                oldestUnconfirmedAt: { type: ['string', 'null'], format: 'date-time' },
                oldestAgeSeconds: { type: ['integer', 'null'] },
                lastSeenAt: { type: 'string', format: 'date-time' },
                warning: {
                  type: ['string', 'null'],
                  description: 'highest warning age passed (e.g. 24h, 5d)',
                },
              },
            },
          },
        },
      },
      Documents: {
        type: 'object',
        properties: {
          documents: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                fn: { type: 'string' },
                fd: { type: 'integer' },
                form: { type: 'integer' },
                state: { type: 'string', enum: ['received', 'forwarded', 'answered'] },
                receivedAt: { type: 'string' },
                forwardedAt: { type: ['string', 'null'] },
                answeredAt: { type: ['string', 'null'] },
                answerCode: { type: ['integer', 'null'] },
                timesReceived: { type: 'integer' },
                attempts: { type: 'integer' },
                lastError: { type: ['string', 'null'] },
                parsed: {
                  type: ['object', 'null'],
                  description: 'the parsed document, when it was not encrypted',
                },
              },
            },
          },
        },
      },
    },
  },
};
