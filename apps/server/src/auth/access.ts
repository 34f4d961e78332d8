import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { roleCan, type EnrolledKind, type Permission } from '@openkassa/contracts';
import { refuse } from '../errors.js';
import type { AuthService, Principal } from './auth.service.js';

/**
 * Who may call a route: `public`, or the permission a user needs (and whether the user must see
 * every store), and the kinds of enrolled device that may call it. A route without an access
 * rule is refused: forgetting one closes a route, never opens it.
 */
export type Access =
  | 'public'
  | {
      readonly permission?: Permission;
      /** Any logged-in user (logout, who am I). */
      readonly anyUser?: boolean;
      readonly devices?: readonly EnrolledKind[];
      /** Chain-wide data: users limited to some stores may not call it. */
      readonly allStores?: boolean;
    };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Authenticates every request and applies the route's access rule before anything else runs. */
export function guard(app: FastifyInstance, auth: AuthService): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req, reply) => {
    // unknown routes fall through to the not-found answer
    if (req.is404) return;
    const access = req.routeOptions.config.access;
    if (access === 'public') {
      // a public route answers whoever asks, the database away or not (/healthz must say so)
      req.principal = (await auth.resolve(req.headers.authorization).catch(() => undefined)) ?? null;
      return;
    }
    const p = await auth.resolve(req.headers.authorization);
    if (!p)
      return refuse(
        reply,
        'not-authenticated',
        'log in (Authorization: Bearer <session token>) or enroll the device',
      );
    req.principal = p;
    if (!access) return refuse(reply, 'forbidden', 'this route has no access rule');
    const allowed =
      p.kind === 'device'
        ? (access.devices ?? []).includes(p.deviceKind)
        : (access.anyUser ?? false) ||
          (access.permission !== undefined &&
            roleCan(p.role, access.permission) &&
            (!access.allStores || p.stores === '*'));
    if (!allowed)
      return refuse(
        reply,
        'forbidden',
        p.kind === 'device'
          ? `a ${p.deviceKind} may not call ${req.method} ${req.routeOptions.url}`
          : `role ${p.role}${access.allStores && p.stores !== '*' ? ' limited to some stores' : ''} may not call ${req.method} ${req.routeOptions.url}`,
      );
  });
}

export type Scope = { ok: true; stores: string[] | undefined } | { ok: false; message: string };

/**
 * The stores a request may read: what it asked for if the principal may see all of it, the
 * principal's own stores if it asked for none (`undefined`: every store).
 */
export function storeScope(p: Principal | null, asked: readonly string[] | undefined): Scope {
  const mine: '*' | readonly string[] = !p ? [] : p.kind === 'device' ? [p.store] : p.stores;
  if (mine === '*') return { ok: true, stores: asked ? [...asked] : undefined };
  if (!asked || asked.length === 0) return { ok: true, stores: [...mine] };
  const other = asked.find((s) => !mine.includes(s));
  return other === undefined
    ? { ok: true, stores: [...asked] }
    : { ok: false, message: `store ${other} is not one of yours` };
}

/** The same for routes that read one store or all: a principal limited to several must name one. */
export function oneStore(p: Principal | null, asked: string | undefined): Scope {
  const s = storeScope(p, asked === undefined ? undefined : [asked]);
  if (s.ok && s.stores && s.stores.length > 1)
    return { ok: false, message: `name the store (one of ${s.stores.join(', ')})` };
  return s;
}

/** Sends the 403 of a refused scope; returns the stores otherwise. */
export function scoped(reply: FastifyReply, s: Scope): s is { ok: true; stores: string[] | undefined } {
  if (!s.ok) void refuse(reply, 'forbidden', s.message);
  return s.ok;
}

/** The client address for login rate limits. */
export const clientOf = (req: FastifyRequest) => req.ip;
