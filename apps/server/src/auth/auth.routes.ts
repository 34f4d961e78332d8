import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  describeZodError,
  ENROLLED_KINDS,
  PERMISSIONS,
  ROLES,
  roleCan,
  type Permission,
} from '@openkassa/contracts';
import { badRequest, clientOf, errorBody, scoped, storeScope } from './access.js';
import type { AuthService } from './auth.service.js';

const storeCode = z.string().regex(/^[\w.-]{1,64}$/, 'a store code');
const deviceId = z.string().regex(/^[\w.:/@-]{1,128}$/, 'letters, digits and .:/@-');
const stores = z.union([z.literal('*'), z.array(storeCode).min(1).max(1000)]);
const password = z.string().min(8, 'at least 8 characters').max(200);

/** Login, users, and device enrollment and credentials. */
export function register(app: FastifyInstance, ctx: { auth: AuthService }): void {
  const { auth } = ctx;

  app.post('/api/v1/auth/login', { config: { access: 'public' } }, async (req, reply) => {
    const body = z
      .object({ login: z.string().min(1).max(64), password: z.string().min(1).max(200) })
      .safeParse(req.body);
    if (!body.success) return reply.code(400).send(badRequest(describeZodError(body.error)));
    const r = await auth.login(body.data.login, body.data.password, clientOf(req));
    if (r.ok) return { token: r.token, expiresAt: r.expiresAt, user: r.user };
    if (r.code === 'rate-limited')
      return reply
        .code(429)
        .header('retry-after', String(r.retryAfterSeconds ?? 60))
        .send(errorBody(r.code, r.message));
    return reply.code(r.code === 'locked' ? 403 : 401).send(errorBody(r.code, r.message));
  });

  app.post('/api/v1/auth/logout', { config: { access: { anyUser: true } } }, async (req) => {
    const token = req.headers.authorization?.slice(7).trim();
    if (token) await auth.logout(token);
    return { ok: true };
  });

  app.get('/api/v1/auth/me', { config: { access: { anyUser: true, devices: ENROLLED_KINDS } } }, (req) => {
    const p = req.principal;
    // what this user may do, so a client (the back office) shows only what will work
    const permissions =
      p?.kind === 'user' ? (Object.keys(PERMISSIONS) as Permission[]).filter((x) => roleCan(p.role, x)) : [];
    return { principal: p, permissions };
  });

  app.get('/api/v1/users', { config: { access: { permission: 'manageUsers' } } }, async () => ({
    users: await auth.listUsers(),
  }));

  const userBody = z.object({
    login: z.string().regex(/^[\w.@-]{1,64}$/, 'letters, digits and ._@-'),
    name: z.string().min(1).max(64),
    role: z.enum(ROLES),
    stores,
    password,
  });
  app.post('/api/v1/users', { config: { access: { permission: 'manageUsers' } } }, async (req, reply) => {
    const body = userBody.safeParse(req.body);
    if (!body.success) return reply.code(400).send(badRequest(describeZodError(body.error)));
    const r = await auth.createUser(req.principal, body.data);
    return r.ok ? reply.code(201).send(r.value) : reply.code(r.status).send(errorBody(r.code, r.message));
  });

  app.put('/api/v1/users/:id', { config: { access: { permission: 'manageUsers' } } }, async (req, reply) => {
    const body = userBody
      .omit({ login: true })
      .partial()
      .extend({ disabled: z.boolean().optional() })
      .strict()
      .safeParse(req.body);
    if (!body.success) return reply.code(400).send(badRequest(describeZodError(body.error)));
    const { id } = req.params as { id: string };
    if (req.principal?.id === id && (body.data.disabled || (body.data.role && body.data.role !== 'admin')))
      return reply.code(409).send(errorBody('self', 'an administrator cannot disable or demote themselves'));
    const r = await auth.updateUser(req.principal!, id.slice(0, 64), body.data);
    return r.ok ? r.value : reply.code(r.status).send(errorBody(r.code, r.message));
  });

  app.post(
    '/api/v1/enrollment-codes',
    { config: { access: { permission: 'manageDevices' } } },
    async (req, reply) => {
      const body = z
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
        .strict()
        .safeParse(req.body);
      if (!body.success) return reply.code(400).send(badRequest(describeZodError(body.error)));
      if (!scoped(reply, storeScope(req.principal, [body.data.store]))) return;
      return reply
        .code(201)
        .send(
          await auth.createEnrollmentCode(
            req.principal!,
            body.data.store,
            body.data.kind,
            body.data.ttlHours,
          ),
        );
    },
  );

  app.post('/api/v1/enroll', { config: { access: 'public' } }, async (req, reply) => {
    const body = z
      .object({ code: z.string().min(16).max(40), deviceId, name: z.string().min(1).max(128) })
      .strict()
      .safeParse(req.body);
    if (!body.success) return reply.code(400).send(badRequest(describeZodError(body.error)));
    const r = await auth.enroll(body.data.code, body.data.deviceId, body.data.name);
    return r.ok ? reply.code(201).send(r.value) : reply.code(r.status).send(errorBody(r.code, r.message));
  });

  app.post(
    '/api/v1/devices/credentials/rotate',
    { config: { access: { devices: ENROLLED_KINDS } } },
    async (req) => {
      const p = req.principal;
      if (p?.kind !== 'device') throw new Error('unreachable: the guard lets only devices in');
      return { token: await auth.rotate(p) };
    },
  );

  app.get(
    '/api/v1/devices/credentials',
    { config: { access: { permission: 'manageDevices' } } },
    async (req, reply) => {
      const s = storeScope(req.principal, undefined);
      if (!scoped(reply, s)) return;
      const all = await auth.listCredentials();
      return { credentials: s.stores ? all.filter((c) => s.stores!.includes(c.store)) : all };
    },
  );

  app.post(
    '/api/v1/devices/:id/revoke',
    { config: { access: { permission: 'manageDevices' } } },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const store = await auth.credentialStore(id);
      if (store === undefined)
        return reply.code(404).send(errorBody('no-device', `device ${id} is not enrolled`));
      if (!scoped(reply, storeScope(req.principal, [store]))) return;
      const done = await auth.revoke(req.principal!, id);
      return done
        ? { ok: true }
        : reply.code(409).send(errorBody('revoked', `device ${id} is revoked already`));
    },
  );
}
