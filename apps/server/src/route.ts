import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readRouteParams, readRouteRest, type RouteInput, type RouteSpec } from '@openkassa/contracts';
import type { Access } from './auth/index.js';
import { refuse } from './errors.js';

export interface RouteOptions<S extends RouteSpec = RouteSpec> {
  /** Who may call it (see auth/access.ts); every route has one. */
  readonly access: Access;
  readonly bodyLimit?: number;
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
    config: { access: opts.access },
    handler: async (req, reply) => {
      const params = readRouteParams(spec, req.params);
      if (!params.ok) return refuse(reply, 'bad-request', params.message);
      const no = opts.forbidden?.(params.value, req);
      if (no !== undefined) return refuse(reply, 'forbidden', no);
      const input = readRouteRest(spec, params.value, { query: req.query, body: req.body });
      if (!input.ok) return refuse(reply, 'bad-request', input.message);
      return handler(input.value, req, reply);
    },
  });
}
