import { z } from 'zod';
import { route } from './route.js';

/**
 * The till's local API, as its sale screen calls it: every route with what it takes, as zod
 * schemas the till reads each request through. Answers are the till's refusals
 * (`{"error": {"code", "message"}}`, the message in Russian for the cashier) or the values below.
 */

const kopecks = z
  .number()
  .int()
  .min(0)
  .max(2 ** 47);
const scannedLine = z.object({
  barcode: z.string().min(1).max(64),
  quantity: z.string().max(16).optional(),
});
const lines = z.array(scannedLine).min(1).max(500);
/** A supervisor's PIN, for an operation beyond the cashier's role. */
const approvalPin = z.string().max(16).optional();
const refusal = { description: 'refused: {error: {code, message}}' };

export const tillApi = {
  health: route({
    method: 'GET',
    url: '/healthz',
    public: true,
    summary: "The till's database and workers: ok, or degraded (503)",
    answers: { 200: { description: 'ok' }, 503: { description: 'degraded' } },
  }),
  login: route({
    method: 'POST',
    url: '/api/login',
    public: true,
    summary: 'A cashier logs in by PIN',
    body: z.object({ pin: z.string().max(16) }),
    answers: { 200: { description: '{token, user}' }, 401: refusal },
  }),
  logout: route({
    method: 'POST',
    url: '/api/logout',
    public: true,
    summary: 'Ends the session',
    answers: { 200: { description: '{ok}' } },
  }),
  status: route({
    method: 'GET',
    url: '/api/status',
    public: true,
    summary: 'How the till is doing; where it is and what went wrong to a logged-in session only',
    answers: { 200: { description: 'the status' } },
  }),
  scan: route({
    method: 'GET',
    url: '/api/scan',
    summary: 'A barcode (or a weighted label) as a receipt line',
    query: z.object({
      code: z.string({ error: 'code is required' }).min(1, 'code is required'),
      qty: z.string().optional(),
    }),
    answers: { 200: { description: 'the line' }, 404: refusal },
  }),
  search: route({
    method: 'GET',
    url: '/api/search',
    summary: 'Goods by part of the name',
    // a longer question is cut, not refused: the cashier types, the screen searches
    query: z.object({
      q: z
        .string()
        .default('')
        .transform((q) => q.slice(0, 64)),
    }),
    answers: { 200: { description: '{products}' } },
  }),
  openShift: route({
    method: 'POST',
    url: '/api/shift/open',
    summary: 'Open the shift',
    answers: { 200: { description: 'the document' } },
  }),
  closeShift: route({
    method: 'POST',
    url: '/api/shift/close',
    summary: 'Close the shift (Z report)',
    answers: { 200: { description: '{document, report}' } },
  }),
  xReport: route({
    method: 'POST',
    url: '/api/report/x',
    summary: 'X report',
    answers: { 200: { description: 'the report' } },
  }),
  sale: route({
    method: 'POST',
    url: '/api/sale',
    summary: 'A sale: lines, the card part, the cash handed over',
    body: z.object({
      // a price other than the catalogue's (kopecks) is a price override
      lines: z
        .array(scannedLine.extend({ price: kopecks.optional() }))
        .min(1)
        .max(500),
      card: kopecks,
      cashTendered: kopecks,
      approvalPin,
    }),
    answers: { 200: { description: 'the document' }, 400: refusal, 403: refusal, 409: refusal },
  }),
  void: route({
    method: 'POST',
    url: '/api/void',
    summary: 'Lines taken off a receipt before payment',
    body: z.object({ lines, approvalPin }),
    answers: { 200: { description: 'the document' }, 400: refusal, 403: refusal, 409: refusal },
  }),
  return: route({
    method: 'POST',
    url: '/api/return',
    summary: 'A return of lines of a sale of this till, by its number',
    body: z.object({
      number: z.number().int().min(1),
      lines: z.array(z.number().int().min(0)).max(500).optional(),
      approvalPin,
    }),
    answers: { 200: { description: 'the document' }, 400: refusal, 403: refusal, 409: refusal },
  }),
  freeReturn: route({
    method: 'POST',
    url: '/api/return/without-receipt',
    summary: 'A return without the receipt, where the store allows it',
    body: z.object({ lines, card: kopecks, approvalPin }),
    answers: { 200: { description: 'the document' }, 400: refusal, 403: refusal, 409: refusal },
  }),
  cash: route({
    method: 'POST',
    url: '/api/cash',
    summary: 'Cash put into the drawer or taken out',
    body: z.object({ direction: z.enum(['in', 'out']), amount: kopecks, approvalPin }),
    answers: { 200: { description: 'the document' }, 400: refusal, 403: refusal, 409: refusal },
  }),
  documents: route({
    method: 'GET',
    url: '/api/documents',
    summary: "The till's latest documents, newest first (limit 1..500, 50 by default)",
    // out of range is brought into it, as the screen's journal asks loosely
    query: z.object({
      limit: z.coerce
        .number()
        .catch(50)
        .transform((n) => Math.min(Math.max(n || 50, 1), 500))
        .default(50),
    }),
    answers: { 200: { description: '{documents}' } },
  }),
  document: route({
    method: 'GET',
    url: '/api/documents/:number',
    summary: 'One document by its number at this till',
    params: z.object({
      number: z.coerce
        .number({ error: 'number must be a whole number' })
        .int('number must be a whole number')
        .min(1, 'number must be a whole number'),
    }),
    answers: { 200: { description: 'the document' }, 400: refusal, 404: refusal },
  }),
  settings: route({
    method: 'GET',
    url: '/api/settings',
    summary: "The till's settings",
    answers: { 200: { description: '{weightedLayouts}' } },
  }),
  weightedLayouts: route({
    method: 'PUT',
    url: '/api/settings/weighted-layouts',
    summary: "The store's weighted-barcode layouts (managers)",
    body: z.object({
      layouts: z
        .array(
          z.object({
            prefixes: z
              .array(z.string().regex(/^\d{2}$/))
              .min(1)
              .max(10),
            mask: z.string().length(13),
          }),
        )
        .max(10),
    }),
    answers: { 200: { description: '{weightedLayouts}' }, 400: refusal, 403: refusal },
  }),
  catalogImport: route({
    method: 'POST',
    url: '/api/catalog/import',
    summary: 'Goods loaded straight into this till (a till without a server; managers)',
    body: z.object({
      products: z
        .array(
          z.object({
            id: z.string().min(1).max(64),
            name: z.string().min(1).max(128),
            price: kopecks,
            vat: z.number().int().min(1).max(12),
            weighted: z.boolean().default(false),
            plu: z.string().max(16).optional(),
            article: z.string().max(64).optional(),
            barcodes: z.array(z.string().min(1).max(64)).max(50).default([]),
          }),
        )
        .max(100_000),
    }),
    answers: { 200: { description: '{imported}' }, 400: refusal, 403: refusal },
  }),
};

export const TILL_API = Object.values(tillApi);
