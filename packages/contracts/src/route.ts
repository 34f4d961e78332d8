import { z } from 'zod';
import { describeZodError } from './sales.js';

/**
 * An HTTP route as data: its address, what it takes (path parameters, query, body) and what it
 * answers, as zod schemas. The cash server registers its routes from these, reads every input
 * through them (no casts), and generates its OpenAPI document from them; clients and tests use
 * the same schemas.
 */
export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface Answer {
  readonly description: string;
  readonly schema?: z.ZodType;
  /** The name of the schema among the document's components, when it has one there. */
  readonly component?: string;
}

export interface RouteSpec {
  readonly method: Method;
  /** In Fastify's form: `/api/v1/users/:id`. */
  readonly url: string;
  readonly summary: string;
  /** Answers without credentials (login, enrollment, health). */
  readonly public?: boolean;
  readonly params?: z.ZodType;
  /**
   * Query parameters: an object of optional or required fields. A refused query is answered with
   * the first problem's message alone, so each field's messages are whole sentences.
   */
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  /** A refused body is answered with the first problem's message alone (its messages are sentences). */
  readonly sentences?: boolean;
  /** The body as documented, when the route checks less at the door than the document says (the sales batch). */
  readonly documentedBody?: { readonly schema: z.ZodType; readonly component?: string };
  readonly answers: Readonly<Record<number, Answer>>;
}

export const route = <const S extends RouteSpec>(s: S): S => s;

/**
 * A request's inputs read through its route's schemas: the path parameters, the query and the
 * body as the schemas made them, or what is wrong (query and path refusals are the first
 * problem's message, a whole sentence; a body's name the field, unless the spec says sentences).
 */
export function readRouteInput<S extends RouteSpec>(
  spec: S,
  raw: { readonly params: unknown; readonly query: unknown; readonly body: unknown },
): { ok: true; value: RouteInput<S> } | { ok: false; message: string } {
  const params = readRouteParams(spec, raw.params);
  return params.ok ? readRouteRest(spec, params.value, raw) : params;
}

/** Only the path parameters, for a decision the path alone settles (before the body is read). */
export function readRouteParams<S extends RouteSpec>(
  spec: S,
  params: unknown,
): { ok: true; value: RouteInput<S>['params'] } | { ok: false; message: string } {
  const r = readPart(spec.params, params, true);
  // the params schema's output, by construction of RouteInput
  return r.ok ? { ok: true, value: r.value as RouteInput<S>['params'] } : r;
}

/** The query and the body, once the path parameters are read. */
export function readRouteRest<S extends RouteSpec>(
  spec: S,
  params: RouteInput<S>['params'],
  raw: { readonly query: unknown; readonly body: unknown },
): { ok: true; value: RouteInput<S> } | { ok: false; message: string } {
  const query = readPart(spec.query, raw.query, true);
  if (!query.ok) return query;
  const body = readPart(spec.body, raw.body, spec.sentences ?? false);
  if (!body.ok) return body;
  // the schemas' outputs, by construction of RouteInput
  return { ok: true, value: { params, query: query.value, body: body.value } as RouteInput<S> };
}

function readPart(
  schema: z.ZodType | undefined,
  value: unknown,
  sentences: boolean,
): { ok: true; value: unknown } | { ok: false; message: string } {
  if (!schema) return { ok: true, value: undefined };
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, value: r.data };
  return {
    ok: false,
    message: sentences ? (r.error.issues[0]?.message ?? 'bad request') : describeZodError(r.error),
  };
}

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;

/** What a route's handler is given: its inputs as the schemas made them. */
export interface RouteInput<S extends RouteSpec> {
  readonly params: Out<S['params']>;
  readonly query: Out<S['query']>;
  readonly body: Out<S['body']>;
}

// ---- the pieces routes share ---------------------------------------------------------------

export const storeCode = z.string().regex(/^[\w.-]{1,64}$/, 'a store code');
export const deviceIdText = z.string().regex(/^[\w.:/@-]{1,128}$/, 'letters, digits and .:/@-');
export const fnNumber = z.string().regex(/^\d{16}$/, 'the 16-digit ФН number');
export const dayText = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day (YYYY-MM-DD)');

/** A whole number in a query string, `min..max`, refused with `message`. */
export const queryInt = (min: number, max: number, message: string) =>
  z.coerce.number({ error: message }).int(message).min(min, message).max(max, message);

/** A query field matching `re`, refused with `message`. */
export const queryText = (re: RegExp, message: string) => z.string().regex(re, message);

export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
export const okSchema = z.object({ ok: z.literal(true) });

/** The error answers most routes share. */
export const refused = (description = 'what is wrong') => ({
  description,
  schema: errorSchema,
  component: 'Error',
});
