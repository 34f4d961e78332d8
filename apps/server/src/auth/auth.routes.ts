import type { FastifyInstance } from 'fastify';
import { authApi, ENROLLED_KINDS, PERMISSIONS, roleCan, type Permission } from '@openkassa/contracts';
import { route } from '../route.js';
import { clientOf, scoped, storeScope } from './access.js';
import type { AuthService } from './auth.service.js';
import { refuse } from '../errors.js';

/** Login, users, and device enrollment and credentials. */
export function register(app: FastifyInstance, ctx: { auth: AuthService }): void {
  const { auth } = ctx;

  route(app, authApi.login, { access: 'public' }, async ({ body }, req, reply) => {
    const r = await auth.login(body.login, body.password, clientOf(req));
    if (r.ok) return { token: r.token, expiresAt: r.expiresAt, user: r.user };
    if (r.code === 'rate-limited')
      return refuse(reply.header('retry-after', String(r.retryAfterSeconds ?? 60)), r.code, r.message);
    return refuse(reply, r.code, r.message);
  });

  route(app, authApi.logout, { access: { anyUser: true } }, async (_input, req) => {
    const token = req.headers.authorization?.slice(7).trim();
    if (token) await auth.logout(token);
    return { ok: true };
  });

  route(app, authApi.me, { access: { anyUser: true, devices: ENROLLED_KINDS } }, (_input, req) => {
    const p = req.principal;
    // what this user may do, so a client (the back office) shows only what will work
    const permissions =
      p?.kind === 'user' ? (Object.keys(PERMISSIONS) as Permission[]).filter((x) => roleCan(p.role, x)) : [];
    return { principal: p, permissions };
  });

  route(app, authApi.users, { access: { permission: 'manageUsers' } }, async () => ({
    users: await auth.listUsers(),
  }));

  route(app, authApi.createUser, { access: { permission: 'manageUsers' } }, async ({ body }, req, reply) => {
    const r = await auth.createUser(req.principal, body);
    return r.ok ? reply.code(201).send(r.value) : refuse(reply, r.code, r.message);
  });

  route(
    app,
    authApi.updateUser,
    { access: { permission: 'manageUsers' } },
    async ({ params: { id }, body }, req, reply) => {
      if (req.principal?.id === id && (body.disabled || (body.role && body.role !== 'admin')))
        return refuse(reply, 'self', 'an administrator cannot disable or demote themselves');
      const r = await auth.updateUser(req.principal!, id.slice(0, 64), body);
      return r.ok ? r.value : refuse(reply, r.code, r.message);
    },
  );

  route(
    app,
    authApi.enrollmentCode,
    { access: { permission: 'manageDevices' } },
    async ({ body }, req, reply) => {
      if (!scoped(reply, storeScope(req.principal, [body.store]))) return;
      return reply
        .code(201)
        .send(await auth.createEnrollmentCode(req.principal!, body.store, body.kind, body.ttlHours));
    },
  );

  route(app, authApi.enroll, { access: 'public' }, async ({ body }, _req, reply) => {
    const r = await auth.enroll(body.code, body.deviceId, body.name);
    return r.ok ? reply.code(201).send(r.value) : refuse(reply, r.code, r.message);
  });

  route(app, authApi.rotate, { access: { devices: ENROLLED_KINDS } }, async (_input, req) => {
    const p = req.principal;
    if (p?.kind !== 'device') throw new Error('unreachable: the guard lets only devices in');
    return { token: await auth.rotate(p) };
  });

  route(app, authApi.credentials, { access: { permission: 'manageDevices' } }, async (_input, req, reply) => {
    const s = storeScope(req.principal, undefined);
    if (!scoped(reply, s)) return;
    const all = await auth.listCredentials();
    return { credentials: s.stores ? all.filter((c) => s.stores!.includes(c.store)) : all };
  });

  route(
    app,
    authApi.revoke,
    { access: { permission: 'manageDevices' } },
    async ({ params: { id } }, req, reply) => {
      const store = await auth.credentialStore(id);
      if (store === undefined) return refuse(reply, 'no-device', `device ${id} is not enrolled`);
      if (!scoped(reply, storeScope(req.principal, [store]))) return;
      const done = await auth.revoke(req.principal!, id);
      return done ? { ok: true } : refuse(reply, 'revoked', `device ${id} is revoked already`);
    },
  );
}
