import type { FastifyInstance } from 'fastify';
import { databaseUnavailable } from '@openkassa/db';

/**
 * The HTTP error catalogue: every refusal is `{"error": {"code", "message"}}` with a 4xx status
 * naming what is wrong; only failures of the server itself are 5xx.
 *
 * - `bad-request` (400): a field is missing, of the wrong type or out of range; the message names it.
 * - `bad-json` (400): the body is not JSON, not UTF-8, or nested deeper than 64 levels.
 * - `too-large` (413): the body is over the route's limit.
 * - `unsupported-media-type` (415): a body that is not `application/json`.
 * - `not-authenticated` (401), `forbidden` (403), `rate-limited` (429), `locked` (403).
 * - `not-found` (404): no such route.
 * - `database-unavailable` (503): the database is away (restarting, unreachable, disk full);
 *   nothing was changed, try again (`retry-after`); the server recovers by itself.
 */

/** Deeper JSON is refused before any handler sees it: no document of ours nests past a dozen. */
export const MAX_JSON_DEPTH = 64;

export function jsonDepthOk(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) return false;
    } else if (c === 125 || c === 93) depth--;
  }
  return true;
}

export function hostileInput(app: FastifyInstance): void {
  // No document of ours holds a NUL character, and PostgreSQL refuses one in text: a request that
  // carries one in its path or query is refused before any handler sees it (bodies: below).
  app.addHook('onRequest', (req, reply, done) => {
    if (/%00/i.test(req.url) || req.url.includes('\u0000')) {
      void reply.code(400).send({
        error: { code: 'bad-request', message: 'the request address contains a NUL character (%00)' },
      });
      return;
    }
    done();
  });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body: Buffer, done) => {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch {
      done(httpError(400, 'bad-json', 'the body is not valid UTF-8'), undefined);
      return;
    }
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    if (!jsonDepthOk(text)) {
      done(httpError(400, 'bad-json', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`), undefined);
      return;
    }
    try {
      done(
        null,
        JSON.parse(text, (k, v: unknown) => {
          if (k === '__proto__' || k === 'constructor') throw new SyntaxError(`key "${k}" is not allowed`);
          if ((typeof v === 'string' && v.includes('\u0000')) || k.includes('\u0000'))
            throw new SyntaxError('a NUL character (\\u0000) is not allowed');
          return v;
        }),
      );
    } catch (e) {
      done(httpError(400, 'bad-json', `the body is not JSON: ${(e as Error).message}`), undefined);
    }
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .send({ error: { code: 'not-found', message: `no route ${req.method} ${req.url.split('?')[0]}` } }),
  );
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const away = err.statusCode === undefined ? databaseUnavailable(err) : undefined;
    if (away) {
      console.error(`HTTP ${req.method} ${req.url.split('?')[0]}: ${away}`);
      return reply
        .code(503)
        .header('retry-after', '5')
        .send({
          error: {
            code: 'database-unavailable',
            message: `the database is unavailable: ${away}; nothing was changed, try again`,
          },
        });
    }
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      req.log.error(err);
      console.error(`HTTP ${req.method} ${req.url.split('?')[0]}: ${err.stack ?? err.message}`);
      return reply
        .code(status)
        .send({ error: { code: 'internal', message: 'the server failed; see its log' } });
    }
    const code =
      err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'too-large'
        : err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'unsupported-media-type'
          : err.code?.startsWith('FST_')
            ? 'bad-request'
            : (err.code ?? 'bad-request');
    return reply.code(status).send({ error: { code, message: err.message } });
  });
}

function httpError(statusCode: number, code: string, message: string): Error {
  return Object.assign(new Error(message), { statusCode, code });
}
