import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { describeZodError, ENROLLED_KINDS, type EnrolledKind } from '@openkassa/contracts';
import type { Database } from '@openkassa/db';
import { audit } from '../audit/index.js';
import { actorOf, badRequest, errorBody, oneStore, scoped, storeScope } from '../auth/index.js';
import type { ServerAppContext } from '../context.js';
import type { ServerSchema } from '../schema.js';
import {
  COMMAND_KINDS,
  DEVICE_KINDS,
  commandResult,
  heartbeat,
  listDevices,
  queueCommand,
  registerDevice,
} from './devices.repo.js';
import { listKkt } from './kkt.js';

/** Heartbeats in, the device list and ККТ out, devices entered by hand, and commands to them with their results. */
export function register(
  app: FastifyInstance,
  ctx: Pick<ServerAppContext, 'db' | 'clock' | 'warnAges'>,
): void {
  const actor = (req: { principal: Parameters<typeof actorOf>[0] }) => actorOf(req.principal);
  const now = () => ctx.clock.now().toISOString();

  const heartbeatBody = z.object({
    id: z.string().regex(/^[\w.:/@-]{1,128}$/),
    kind: z.enum(DEVICE_KINDS),
    store: z.string().regex(/^[\w.-]{1,64}$/),
    name: z.string().min(1).max(128).optional(),
    version: z.string().min(1).max(64),
    status: z.record(z.string(), z.unknown()).default({}),
    devices: z
      .array(
        z.object({
          id: z.string().regex(/^[\w.:/@-]{1,128}$/),
          kind: z.enum(DEVICE_KINDS),
          name: z.string().min(1).max(128),
          version: z.string().max(64),
          lastSeenAt: z.iso.datetime({ offset: true }),
          status: z.record(z.string(), z.unknown()).default({}),
        }),
      )
      .max(2000)
      .optional(),
    holding: z.array(z.string().max(64)).max(2000).optional(),
    results: z
      .array(
        z.object({
          id: z.string().max(64),
          deviceId: z.string().max(128),
          ok: z.boolean(),
          result: z.unknown(),
        }),
      )
      .max(2000)
      .optional(),
  });
  app.post(
    '/api/v1/devices/heartbeat',
    { bodyLimit: 4 * 1024 * 1024, config: { access: { devices: ENROLLED_KINDS } } },
    async (req, reply) => {
      const hb = heartbeatBody.safeParse(req.body);
      if (!hb.success) return reply.code(400).send(badRequest(describeZodError(hb.error)));
      // a device reports as itself, for its own store; only a store server reports devices behind it
      const p = req.principal;
      if (
        p?.kind !== 'device' ||
        hb.data.id !== p.id ||
        hb.data.store !== p.store ||
        hb.data.kind !== reportedKind(p.deviceKind)
      )
        return reply
          .code(403)
          .send(
            errorBody(
              'forbidden',
              `the heartbeat of ${hb.data.id} (${hb.data.kind}, store ${hb.data.store}) does not match this device's credentials`,
            ),
          );
      if (hb.data.devices && p.deviceKind !== 'store-server')
        return reply.code(403).send(errorBody('forbidden', 'only a store server reports devices behind it'));
      return { commands: await heartbeat(ctx.db, hb.data, ctx.clock.now().toISOString()) };
    },
  );

  const viewDevices = { config: { access: { permission: 'viewDevices' as const } } };
  app.get('/api/v1/devices', viewDevices, async (req, reply) => {
    const asked = (req.query as { store?: string }).store;
    if (asked !== undefined && !/^[\w.-]{1,64}$/.test(asked))
      return reply.code(400).send(badRequest('store is a store code'));
    const s = storeScope(req.principal, asked === undefined ? undefined : [asked]);
    if (!scoped(reply, s)) return;
    const all = await listDevices(ctx.db, ctx.clock.now(), { ...(asked !== undefined && { store: asked }) });
    return { devices: s.stores ? all.filter((d) => s.stores!.includes(d.store)) : all };
  });

  app.get('/api/v1/devices/kkt', viewDevices, async (req, reply) => {
    const asked = (req.query as { store?: string }).store;
    if (asked !== undefined && !/^[\w.-]{1,64}$/.test(asked))
      return reply.code(400).send(badRequest('store is a store code'));
    const s = oneStore(req.principal, asked);
    if (!scoped(reply, s)) return;
    return { kkt: await listKkt(ctx.db, ctx.clock.now(), ctx.warnAges, s.stores?.[0]) };
  });

  const registration = z.object({
    kind: z.enum(DEVICE_KINDS),
    store: z.string().regex(/^[\w.-]{1,64}$/),
    name: z.string().min(1).max(128),
    /** Where it is reached and how, for scales: {"address": "10.0.0.7:1111", "protocol": "cas-lp"}. */
    status: z.record(z.string(), z.unknown()).default({}),
  });
  const manageDevices = { config: { access: { permission: 'manageDevices' as const } } };
  app.put('/api/v1/devices/:id', manageDevices, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!/^[\w.:/@-]{1,128}$/.test(id))
      return reply.code(400).send(badRequest('id: letters, digits and .:/@-'));
    const body = registration.safeParse(req.body);
    if (!body.success) return reply.code(400).send(badRequest(describeZodError(body.error)));
    if (!scoped(reply, storeScope(req.principal, [body.data.store]))) return;
    const was = await deviceStore(ctx.db, id);
    if (was !== undefined && !scoped(reply, storeScope(req.principal, [was]))) return;
    const done = await registerDevice(ctx.db, { id, ...body.data }, ctx.clock.now().toISOString());
    if (done)
      await audit(
        ctx.db,
        { actor: actor(req), action: 'device.register', subject: id, detail: body.data },
        now(),
      );
    return done
      ? { ok: true }
      : reply.code(409).send({
          error: {
            code: 'reporting',
            message: `device ${id} reports itself; its record follows its reports`,
          },
        });
  });

  const commandBody = z.object({
    kind: z.enum(COMMAND_KINDS),
    payload: z.record(z.string(), z.unknown()).default({}),
  });
  app.post('/api/v1/devices/:id/commands', manageDevices, async (req, reply) => {
    const { id } = req.params as { id: string };
    const body = commandBody.safeParse(req.body);
    if (!body.success) return reply.code(400).send(badRequest(describeZodError(body.error)));
    if (body.data.kind === 'message' && typeof body.data.payload.text !== 'string')
      return reply.code(400).send(badRequest('a message command needs payload.text'));
    const store = await deviceStore(ctx.db, id);
    if (store !== undefined && !scoped(reply, storeScope(req.principal, [store]))) return;
    const c = await queueCommand(
      ctx.db,
      { id: randomUUID(), deviceId: id, kind: body.data.kind, payload: body.data.payload },
      ctx.clock.now().toISOString(),
    );
    if (c)
      await audit(
        ctx.db,
        { actor: actor(req), action: 'device.command', subject: id, detail: { id: c.id, kind: c.kind } },
        now(),
      );
    return (
      c ?? reply.code(404).send({ error: { code: 'no-device', message: `device ${id} has never reported` } })
    );
  });

  app.post(
    '/api/v1/devices/:id/commands/:command/result',
    { config: { access: { devices: ENROLLED_KINDS } } },
    async (req, reply) => {
      const { id, command } = req.params as { id: string; command: string };
      if (req.principal?.id !== id)
        return reply.code(403).send(errorBody('forbidden', `only device ${id} answers its commands`));
      const body = z.object({ ok: z.boolean(), result: z.unknown() }).safeParse(req.body);
      if (!body.success) return reply.code(400).send(badRequest(describeZodError(body.error)));
      const done = await commandResult(
        ctx.db,
        id,
        command,
        body.data.ok,
        body.data.result,
        ctx.clock.now().toISOString(),
      );
      return done
        ? { ok: true }
        : reply
            .code(404)
            .send({ error: { code: 'no-command', message: 'no such open command for this device' } });
    },
  );
}

/** The kind a device reports itself as in heartbeats, by the kind it is enrolled as. */
const reportedKind = (k: EnrolledKind) => (k === 'scale-server' ? 'scales' : k);

async function deviceStore(db: Database<ServerSchema>, id: string): Promise<string | undefined> {
  const r = await db.db.selectFrom('devices').select('store').where('id', '=', id).executeTakeFirst();
  return r?.store;
}
