import type { FastifyInstance, FastifyReply, FastifyRequest, preValidationHookHandler } from 'fastify';
import type { z } from 'zod';
import { describeZodError, type RouteInput, type RouteSpec } from '@openkassa/contracts';
import type { Access } from './auth/index.js';
import { refuse } from './errors.js';

export interface RouteOptions<S extends RouteSpec = RouteSpec> {
  /** Who may call it (see auth/access.ts); every route has one. */
  readonly access: Access;
  readonly bodyLimit?: number;
  readonly preValidation?: preValidationHookHandler;
  /**
   * A refusal (403) decided by the path alone, before the query and body are read: a device
   * answering a command addressed to another is refused whatever it sent.
   */
  readonly forbidden?: (params: RouteInput<S>['params'], req: FastifyRequest) => string | undefined;
}

export type Handler<S extends RouteSpec> = (
  input: RouteInput<S>,
  req: FastifyRequest,
  reply: FastifyReply,
) => unknown;

/**
 * Registers a route of the API from its spec in packages/contracts: its inputs are read through
 * the spec's schemas (a refusal is a 400 naming what is wrong, before the handler runs) and the
 * handler gets them as the schemas made them.
 */
export function route<S extends RouteSpec>(
  app: FastifyInstance,
  spec: S,
  opts: RouteOptions<S>,
  handler: Handler<S>,
): void {
  app.route({
    method: spec.method,
    url: spec.url,
    ...(opts.bodyLimit !== undefined && { bodyLimit: opts.bodyLimit }),
    ...(opts.preValidation && { preValidation: opts.preValidation }),
    config: { access: opts.access },
    handler: async (req, reply) => {
      const params = read(spec.params, req.params, true);
      if (!params.ok) return refuse(reply, 'bad-request', params.message);
      // the params as the schema made them, by construction of RouteInput
      const no = opts.forbidden?.(params.value as RouteInput<S>['params'], req);
      if (no !== undefined) return refuse(reply, 'forbidden', no);
      const query = read(spec.query, req.query, true);
      if (!query.ok) return refuse(reply, 'bad-request', query.message);
      const body = read(spec.body, req.body, spec.sentences ?? false);
      if (!body.ok) return refuse(reply, 'bad-request', body.message);
      // the schemas' outputs, by construction of RouteInput
      const input = { params: params.value, query: query.value, body: body.value } as RouteInput<S>;
      return handler(input, req, reply);
    },
  });
}

function read(
  schema: z.ZodType | undefined,
  value: unknown,
  sentences: boolean,
): { ok: true; value: unknown } | { ok: false; message: string } {
  if (!schema) return { ok: true, value: undefined };
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, value: r.data };
  return {
    ok: false,
    // query and path messages are whole sentences; a body's name the field they are about
    message: sentences ? (r.error.issues[0]?.message ?? 'bad request') : describeZodError(r.error),
  };
}
