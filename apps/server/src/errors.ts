import type { FastifyInstance, FastifyReply } from 'fastify';
import { databaseUnavailable } from '@openkassa/db';
import { ERRORS, errorBody, isErrorCode, type ErrorCode } from '@openkassa/contracts';

/**
 * Refusals over HTTP: the one place a refusal's code becomes its status, from the catalogue in
 * packages/contracts (`ERRORS`: every code with its status and what it means, in Russian and
 * English). Routes and services name the code; they never pick a status.
 */
export function refuse(reply: FastifyReply, code: ErrorCode, message: string): FastifyReply {
  return reply.code(ERRORS[code].status).send(errorBody(code, message));
}

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
      void refuse(reply, 'bad-request', 'the request address contains a NUL character (%00)');
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
    refuse(reply, 'not-found', `no route ${req.method} ${req.url.split('?')[0]}`),
  );
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const away = err.statusCode === undefined ? databaseUnavailable(err) : undefined;
    if (away) {
      console.error(`HTTP ${req.method} ${req.url.split('?')[0]}: ${away}`);
      return refuse(
        reply.header('retry-after', '5'),
        'database-unavailable',
        `the database is unavailable: ${away}; nothing was changed, try again`,
      );
    }
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      req.log.error(err);
      console.error(`HTTP ${req.method} ${req.url.split('?')[0]}: ${err.stack ?? err.message}`);
      return reply.code(status).send(errorBody('internal', 'the server failed; see its log'));
    }
    // Fastify's own refusals keep their status (414, 405…); ours come with a code of the catalogue
    const code: ErrorCode =
      err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'too-large'
        : err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'unsupported-media-type'
          : err.code !== undefined && isErrorCode(err.code)
            ? err.code
            : 'bad-request';
    return reply.code(status).send(errorBody(code, err.message));
  });
}

function httpError(statusCode: number, code: string, message: string): Error {
  return Object.assign(new Error(message), { statusCode, code });
}
