import type { Database } from '@openkassa/db';
import type { ServerSchema } from '../schema.js';

import type { CommandKind, DeviceKind } from '@openkassa/contracts';

export { COMMAND_KINDS, DEVICE_KINDS, type CommandKind, type DeviceKind } from '@openkassa/contracts';

export interface Heartbeat {
  readonly id: string;
  readonly kind: DeviceKind;
  readonly store: string;
  readonly name?: string;
  readonly version: string;
  /** What the device reports of itself: upload queue, last upload, shift, its ККТ and ФН… */
  readonly status: Record<string, unknown>;
  /** A store server's report carries the devices behind it (its tills), as it last heard them. */
  readonly devices?: readonly NestedDevice[];
  /** …the commands it holds for them (so the head office stops handing them over)… */
  readonly holding?: readonly string[];
  /** …and the answers of its tills to commands it passed on (repeated until they are old). */
  readonly results?: readonly { id: string; deviceId: string; ok: boolean; result: unknown }[];
}

export interface NestedDevice {
  readonly id: string;
  readonly kind: DeviceKind;
  readonly name: string;
  readonly version: string;
  readonly lastSeenAt: string;
  readonly status: Record<string, unknown>;
}

export interface Command {
  readonly id: string;
  readonly deviceId: string;
  readonly kind: CommandKind;
  readonly payload: Record<string, unknown>;
  readonly state: 'pending' | 'delivered' | 'done' | 'failed';
  readonly createdAt: string;
  readonly deliveredAt: string | null;
  readonly doneAt: string | null;
  readonly result: unknown;
}

type CommandRow = ServerSchema['device_commands'];

const toCommand = (r: CommandRow): Command => ({
  id: r.id,
  deviceId: r.device_id,
  kind: r.kind as CommandKind,
  payload: JSON.parse(r.payload_json) as Record<string, unknown>,
  state: r.state,
  createdAt: r.created_at,
  deliveredAt: r.delivered_at,
  doneAt: r.done_at,
  result: r.result_json === null ? null : (JSON.parse(r.result_json) as unknown),
});

/**
 * A device says it is alive: its record is created or refreshed, and the commands waiting for
 * it are handed over (and marked delivered) in the same transaction, so each goes out once.
 */
export async function heartbeat(db: Database<ServerSchema>, hb: Heartbeat, now: string): Promise<Command[]> {
  return db.transaction(async (tx) => {
    const row = {
      kind: hb.kind,
      store: hb.store,
      name: hb.name ?? hb.id,
      version: hb.version,
      last_seen_at: now,
      status_json: JSON.stringify(hb.status),
    };
    await tx.db
      .insertInto('devices')
      .values({ id: hb.id, ...row, first_seen_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet(row))
      .execute();
    // The devices behind a store server, in its store, as last heard there (never in the future).
    for (const d of hb.devices ?? []) {
      if (d.id === hb.id) continue;
      const seen = d.lastSeenAt < now ? d.lastSeenAt : now;
      const nested = {
        kind: d.kind,
        store: hb.store,
        name: d.name,
        version: d.version,
        last_seen_at: seen,
        status_json: JSON.stringify({ ...d.status, reportedBy: hb.id }),
      };
      await tx.db
        .insertInto('devices')
        .values({ id: d.id, ...nested, first_seen_at: seen })
        // never a device of another store, whatever a store server says
        .onConflict((oc) =>
          oc
            .column('id')
            .doUpdateSet(nested)
            .where('devices.last_seen_at', '<=', seen)
            .where('devices.store', '=', hb.store),
        )
        .execute();
    }
    // Answers from the devices behind a store server settle the commands once; repeats do nothing.
    const behind = (hb.devices ?? []).map((d) => d.id).filter((id) => id !== hb.id);
    for (const r of hb.results ?? [])
      if (behind.includes(r.deviceId))
        await tx.db
          .updateTable('device_commands')
          .set({
            state: r.ok ? 'done' : 'failed',
            done_at: now,
            result_json: JSON.stringify(r.result ?? null),
          })
          .where('id', '=', r.id)
          .where('device_id', '=', r.deviceId)
          .where('state', 'in', ['pending', 'delivered'])
          .execute();
    // Commands a store server says it holds for its devices are delivered; until it says so they
    // are handed to it again with every report, so one lost in a crash on the way is not lost.
    const holding = (hb.holding ?? []).slice(0, 2000);
    if (holding.length > 0 && behind.length > 0)
      await tx.db
        .updateTable('device_commands')
        .set({ state: 'delivered', delivered_at: now })
        .where('id', 'in', holding)
        .where('device_id', 'in', behind)
        .where('state', '=', 'pending')
        .execute();
    // Commands for the device, and for the devices behind it (a store server passes them on).
    const pending = await tx.db
      .selectFrom('device_commands')
      .selectAll()
      .where('device_id', 'in', [hb.id, ...behind])
      .where('state', '=', 'pending')
      .orderBy('created_at')
      .execute();
    const own = pending.filter((p) => p.device_id === hb.id);
    if (own.length > 0)
      await tx.db
        .updateTable('device_commands')
        .set({ state: 'delivered', delivered_at: now })
        .where(
          'id',
          'in',
          own.map((p) => p.id),
        )
        .execute();
    return pending.map((p) =>
      toCommand(p.device_id === hb.id ? { ...p, state: 'delivered', delivered_at: now } : p),
    );
  });
}

export async function queueCommand(
  db: Database<ServerSchema>,
  c: { id: string; deviceId: string; kind: CommandKind; payload: Record<string, unknown> },
  now: string,
): Promise<Command | undefined> {
  const device = await db.db
    .selectFrom('devices')
    .select('id')
    .where('id', '=', c.deviceId)
    .executeTakeFirst();
  if (!device) return undefined;
  const row: CommandRow = {
    id: c.id,
    device_id: c.deviceId,
    kind: c.kind,
    payload_json: JSON.stringify(c.payload),
    state: 'pending',
    created_at: now,
    delivered_at: null,
    done_at: null,
    result_json: null,
  };
  // A command handed over again (a store server passing one on) is queued once.
  await db.db
    .insertInto('device_commands')
    .values(row)
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  return toCommand(row);
}

/** The device's answer to a command; only the device it was for may answer, once. */
export async function commandResult(
  db: Database<ServerSchema>,
  deviceId: string,
  id: string,
  ok: boolean,
  result: unknown,
  now: string,
): Promise<boolean> {
  const r = await db.db
    .updateTable('device_commands')
    .set({ state: ok ? 'done' : 'failed', done_at: now, result_json: JSON.stringify(result ?? null) })
    .where('id', '=', id)
    .where('device_id', '=', deviceId)
    .where('state', 'in', ['pending', 'delivered'])
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * A device entered by hand (scales before their server reports, say): known, never heard from.
 * Refused for an id that has reported already.
 */
export async function registerDevice(
  db: Database<ServerSchema>,
  d: { id: string; kind: DeviceKind; store: string; name: string; status: Record<string, unknown> },
  now: string,
): Promise<boolean> {
  const r = await db.db
    .insertInto('devices')
    .values({
      id: d.id,
      kind: d.kind,
      store: d.store,
      name: d.name,
      version: '',
      first_seen_at: now,
      last_seen_at: '',
      status_json: JSON.stringify(d.status),
    })
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet({ kind: d.kind, store: d.store, name: d.name, status_json: JSON.stringify(d.status) })
        .where('devices.last_seen_at', '=', ''),
    )
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export interface DeviceView {
  readonly id: string;
  readonly kind: string;
  readonly store: string;
  readonly name: string;
  readonly version: string;
  readonly firstSeenAt: string;
  /** Null for a device entered by hand that has not reported yet. */
  readonly lastSeenAt: string | null;
  readonly online: boolean;
  readonly status: Record<string, unknown>;
  readonly commands: Command[];
}

/** Devices with their last report, online when heard from within `onlineMs`, and recent commands. */
export async function listDevices(
  db: Database<ServerSchema>,
  now: Date,
  opts: { store?: string; onlineMs?: number } = {},
): Promise<DeviceView[]> {
  let q = db.db.selectFrom('devices').selectAll().orderBy('store').orderBy('id');
  if (opts.store) q = q.where('store', '=', opts.store);
  const rows = await q.execute();
  const cmds =
    rows.length === 0
      ? []
      : await db.db
          .selectFrom('device_commands')
          .selectAll()
          .where(
            'device_id',
            'in',
            rows.map((r) => r.id),
          )
          .orderBy('created_at', 'desc')
          .limit(rows.length * 10)
          .execute();
  const onlineMs = opts.onlineMs ?? 120_000;
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    store: r.store,
    name: r.name,
    version: r.version,
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at === '' ? null : r.last_seen_at,
    online: r.last_seen_at !== '' && now.getTime() - Date.parse(r.last_seen_at) <= onlineMs,
    status: JSON.parse(r.status_json) as Record<string, unknown>,
    commands: cmds.filter((c) => c.device_id === r.id).map(toCommand),
  }));
}
