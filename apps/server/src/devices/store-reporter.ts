import { Heartbeat, type DeviceCredentials } from '@openkassa/runtime';
import type { Database } from '@openkassa/db';
import type { ServerSchema } from '../schema.js';
import { listDevices, queueCommand, type CommandKind } from './devices.repo.js';

/**
 * A store server's report to its head office: itself (its own `status()` and how many of its
 * devices are online), the devices behind it as it last heard them, the head office's commands it
 * holds for them and their answers. Commands for its tills are queued here under their id (once,
 * however often they are handed over) and answered with a later report; its own it runs.
 */
export function storeReporter(o: {
  readonly db: Database<ServerSchema>;
  readonly upstream: string;
  readonly store: string;
  readonly version: string;
  readonly everyMs: number;
  readonly clock: { now(): Date };
  readonly log: { info(m: string): void; warn(m: string): void };
  readonly status: () => Promise<Record<string, unknown>>;
  readonly reloadCatalog: () => void;
  readonly auth?: DeviceCredentials;
}): Heartbeat {
  const id = `store-server:${o.store}`;
  return new Heartbeat(
    o.upstream,
    { id, kind: 'store-server', store: o.store, name: `Сервер магазина ${o.store}`, version: o.version },
    async () => {
      const now = o.clock.now();
      const devices = (await listDevices(o.db, now)).filter(
        (d) => d.kind !== 'store-server' && d.lastSeenAt !== null && d.store === o.store,
      );
      return {
        status: {
          ...(await o.status()),
          devices: { count: devices.length, online: devices.filter((d) => d.online).length },
        },
        devices: devices.map((d) => ({
          id: d.id,
          kind: d.kind,
          name: d.name,
          version: d.version,
          lastSeenAt: d.lastSeenAt,
          status: d.status,
        })),
        // Commands held for the tills (the head office stops handing them over), and the
        // tills' answers from the last day (the head office settles each once).
        holding: devices.flatMap((d) =>
          d.commands.filter((c) => c.state === 'pending' || c.state === 'delivered').map((c) => c.id),
        ),
        results: devices.flatMap((d) =>
          d.commands
            .filter(
              (c) =>
                (c.state === 'done' || c.state === 'failed') &&
                now.getTime() - Date.parse(c.doneAt ?? '') < 86_400_000,
            )
            .map((c) => ({ id: c.id, deviceId: d.id, ok: c.state === 'done', result: c.result })),
        ),
      };
    },
    async (c) => {
      if (c.deviceId !== undefined && c.deviceId !== id) {
        let queued;
        try {
          queued = await queueCommand(
            o.db,
            { id: c.id, deviceId: c.deviceId, kind: c.kind as CommandKind, payload: c.payload },
            o.clock.now().toISOString(),
          );
        } catch (e) {
          o.log.warn(
            `command ${c.id} for ${c.deviceId} not queued, taken again with the next report: ${String(e)}`,
          );
          return undefined;
        }
        return queued ? undefined : { ok: false, result: `${c.deviceId} is not a device of this store` };
      }
      switch (c.kind) {
        case 'reloadCatalog':
          o.reloadCatalog();
          return { ok: true, result: 'catalogue mirror asked again' };
        case 'message':
          o.log.info(`message from the head office: ${String(c.payload.text)}`);
          return { ok: true, result: 'logged' };
        default:
          return { ok: false, result: `a store server does not do ${c.kind}` };
      }
    },
    o.log,
    o.everyMs,
    o.auth,
  );
}
