import { expect, it } from 'vitest';
import { describeStorage } from '@openkassa/db/testing';
import { serverDbOptions } from '../migrations/index.js';
import type { ServerSchema } from '../schema.js';
import { heartbeat, listDevices, queueCommand, type Heartbeat } from './devices.repo.js';

describeStorage<ServerSchema>(
  'device registry',
  (ctx) => {
    it('hands a store server the commands for its tills until it says it holds them, and takes their answers once', async () => {
      const db = ctx.db();
      const now = () => new Date().toISOString();
      const till = {
        id: 'till:S1/T1',
        kind: 'till' as const,
        name: 'Касса T1',
        version: '0.1.0',
        lastSeenAt: now(),
        status: { shift: { open: true } },
      };
      const store = (extra: Partial<Heartbeat> = {}): Heartbeat => ({
        id: 'store-server:S1',
        kind: 'store-server',
        store: 'S1',
        version: '0.1.0',
        status: {},
        devices: [till],
        ...extra,
      });
      expect(await heartbeat(db, store(), now())).toEqual([]);
      const c = await queueCommand(
        db,
        { id: 'c-1', deviceId: till.id, kind: 'message', payload: { text: 'Привет' } },
        now(),
      );
      expect(c).toBeDefined();
      // handed over, and again while the store server does not say it holds it
      expect((await heartbeat(db, store(), now())).map((x) => [x.id, x.deviceId])).toEqual([
        ['c-1', till.id],
      ]);
      expect((await heartbeat(db, store(), now())).map((x) => x.id)).toEqual(['c-1']);
      const state = async () =>
        (await listDevices(db, new Date()))
          .find((d) => d.id === till.id)
          ?.commands.find((x) => x.id === 'c-1')?.state;
      expect(await state()).toBe('pending');
      // held: delivered, not handed over again
      expect(await heartbeat(db, store({ holding: ['c-1'] }), now())).toEqual([]);
      expect(await state()).toBe('delivered');
      // an answer for a device not behind this store changes nothing; the till's answer settles it once
      await heartbeat(
        db,
        store({ results: [{ id: 'c-1', deviceId: 'till:S9/T1', ok: false, result: 'x' }] }),
        now(),
      );
      expect(await state()).toBe('delivered');
      await heartbeat(
        db,
        store({ results: [{ id: 'c-1', deviceId: till.id, ok: true, result: 'shown' }] }),
        now(),
      );
      await heartbeat(
        db,
        store({ results: [{ id: 'c-1', deviceId: till.id, ok: false, result: 'again' }] }),
        now(),
      );
      const done = (await listDevices(db, new Date())).find((d) => d.id === till.id)!.commands[0]!;
      expect([done.state, done.result]).toEqual(['done', 'shown']);
      // the same command queued twice (handed over twice to a store server) is one command
      await queueCommand(db, { id: 'c-2', deviceId: till.id, kind: 'reloadCatalog', payload: {} }, now());
      await queueCommand(db, { id: 'c-2', deviceId: till.id, kind: 'reloadCatalog', payload: {} }, now());
      expect(
        (await listDevices(db, new Date()))
          .find((d) => d.id === till.id)!
          .commands.filter((x) => x.id === 'c-2'),
      ).toHaveLength(1);
    });
  },
  serverDbOptions,
);
