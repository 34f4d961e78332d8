import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { devicesApi, ENROLLED_KINDS, type EnrolledKind } from '@openkassa/contracts';
import type { Database } from '@openkassa/db';
import { audit } from '../audit/index.js';
import { actorOf, oneStore, scoped, storeScope } from '../auth/index.js';
import type { ServerAppContext } from '../context.js';
import { refuse } from '../errors.js';
import { route } from '../route.js';
import type { ServerSchema } from '../schema.js';
import { commandResult, heartbeat, listDevices, queueCommand, registerDevice } from './devices.repo.js';
import { listKkt } from './kkt.js';

/** Heartbeats in, the device list and ККТ out, devices entered by hand, and commands to them with their results. */
export function register(
  app: FastifyInstance,
  ctx: Pick<ServerAppContext, 'db' | 'clock' | 'warnAges'>,
): void {
  const now = () => ctx.clock.now().toISOString();
  const viewDevices = { access: { permission: 'viewDevices' as const } };
  const manageDevices = { access: { permission: 'manageDevices' as const } };

  route(
    app,
    devicesApi.heartbeat,
    { access: { devices: ENROLLED_KINDS }, bodyLimit: 4 * 1024 * 1024 },
    async ({ body: hb }, req, reply) => {
      // a device reports as itself, for its own store; only a store server reports devices behind it
      const p = req.principal;
      if (
        p?.kind !== 'device' ||
        hb.id !== p.id ||
        hb.store !== p.store ||
        hb.kind !== reportedKind(p.deviceKind)
      )
        return refuse(
          reply,
          'forbidden',
          `the heartbeat of ${hb.id} (${hb.kind}, store ${hb.store}) does not match this device's credentials`,
        );
      if (hb.devices && p.deviceKind !== 'store-server')
        return refuse(reply, 'forbidden', 'only a store server reports devices behind it');
      return { commands: await heartbeat(ctx.db, hb, now()) };
    },
  );

  route(app, devicesApi.list, viewDevices, async ({ query: { store: asked } }, req, reply) => {
    const s = storeScope(req.principal, asked === undefined ? undefined : [asked]);
    if (!scoped(reply, s)) return;
    const all = await listDevices(ctx.db, ctx.clock.now(), { ...(asked !== undefined && { store: asked }) });
    return { devices: s.stores ? all.filter((d) => s.stores!.includes(d.store)) : all };
  });

  route(app, devicesApi.kkt, viewDevices, async ({ query: { store: asked } }, req, reply) => {
    const s = oneStore(req.principal, asked);
    if (!scoped(reply, s)) return;
    return { kkt: await listKkt(ctx.db, ctx.clock.now(), ctx.warnAges, s.stores?.[0]) };
  });

  route(app, devicesApi.register, manageDevices, async ({ params: { id }, body }, req, reply) => {
    if (!scoped(reply, storeScope(req.principal, [body.store]))) return;
    const was = await deviceStore(ctx.db, id);
    if (was !== undefined && !scoped(reply, storeScope(req.principal, [was]))) return;
    const done = await registerDevice(ctx.db, { id, ...body }, now());
    if (done)
      await audit(
        ctx.db,
        { actor: actorOf(req.principal), action: 'device.register', subject: id, detail: body },
        now(),
      );
    return done
      ? { ok: true }
      : refuse(reply, 'reporting', `device ${id} reports itself; its record follows its reports`);
  });

  route(app, devicesApi.command, manageDevices, async ({ params: { id }, body }, req, reply) => {
    const store = await deviceStore(ctx.db, id);
    if (store !== undefined && !scoped(reply, storeScope(req.principal, [store]))) return;
    const c = await queueCommand(
      ctx.db,
      { id: randomUUID(), deviceId: id, kind: body.kind, payload: body.payload },
      now(),
    );
    if (c)
      await audit(
        ctx.db,
        {
          actor: actorOf(req.principal),
          action: 'device.command',
          subject: id,
          detail: { id: c.id, kind: c.kind },
        },
        now(),
      );
    return c ?? refuse(reply, 'no-device', `device ${id} has never reported`);
  });

  route(
    app,
    devicesApi.commandResult,
    {
      access: { devices: ENROLLED_KINDS },
      forbidden: ({ id }, req) =>
        req.principal?.id !== id ? `only device ${id} answers its commands` : undefined,
    },
    async ({ params: { id, command }, body }, _req, reply) => {
      const done = await commandResult(ctx.db, id, command, body.ok, body.result, now());
      return done ? { ok: true } : refuse(reply, 'no-command', 'no such open command for this device');
    },
  );
}

/** The kind a device reports itself as in heartbeats, by the kind it is enrolled as. */
const reportedKind = (k: EnrolledKind) => (k === 'scale-server' ? 'scales' : k);

async function deviceStore(db: Database<ServerSchema>, id: string): Promise<string | undefined> {
  const r = await db.db.selectFrom('devices').select('store').where('id', '=', id).executeTakeFirst();
  return r?.store;
}
