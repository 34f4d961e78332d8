import { expect, it } from 'vitest';
import { describeStorage } from '@openkassa/db/testing';
import { serverDbOptions } from '../migrations/index.js';
import type { ServerSchema } from '../schema.js';
import { AuthService } from './auth.service.js';

/** A clock the test moves. */
function clock(start: string) {
  let t = Date.parse(start);
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describeStorage<ServerSchema>(
  'sessions and lockouts in time',
  (ctx) => {
    it('a session ends after its hours, and not a moment before', async () => {
      const c = clock('2026-12-01T08:00:00Z');
      const auth = new AuthService(ctx.db(), c, { sessionHours: 12 });
      const made = await auth.createUser(null, {
        login: 'kassir1',
        name: 'К',
        role: 'cashier',
        stores: ['S1'],
        password: 'kassir-pass-1',
      });
      expect(made.ok).toBe(true);
      const l = await auth.login('kassir1', 'kassir-pass-1', '10.0.0.1');
      if (!l.ok) throw new Error(l.message);
      expect(l.expiresAt).toBe('2026-12-01T20:00:00.000Z');
      c.advance(12 * HOUR - MINUTE);
      // a fresh service: no credential cached from before
      expect(await new AuthService(ctx.db(), c).resolve(`Bearer ${l.token}`)).toMatchObject({ kind: 'user' });
      c.advance(MINUTE);
      expect(await new AuthService(ctx.db(), c).resolve(`Bearer ${l.token}`)).toBeUndefined();
      // and for the service that made it
      expect(await auth.resolve(`Bearer ${l.token}`)).toBeUndefined();
    });

    it('five wrong passwords lock the user for 15 minutes; the right one works again after them', async () => {
      const c = clock('2026-12-01T08:00:00Z');
      const auth = new AuthService(ctx.db(), c, { lockAfter: 5, lockMinutes: 15 });
      await auth.createUser(null, {
        login: 'kassir2',
        name: 'К',
        role: 'cashier',
        stores: ['S1'],
        password: 'kassir-pass-2',
      });
      for (let i = 0; i < 5; i++) {
        expect(await auth.login('kassir2', 'wrong', `10.0.1.${i}`)).toMatchObject({
          ok: false,
          code: 'bad-login',
        });
        c.advance(1000);
      }
      expect(await auth.login('kassir2', 'kassir-pass-2', '10.0.2.1')).toMatchObject({
        ok: false,
        code: 'locked',
      });
      c.advance(15 * MINUTE - 10_000);
      expect(await auth.login('kassir2', 'kassir-pass-2', '10.0.2.2')).toMatchObject({
        ok: false,
        code: 'locked',
      });
      c.advance(10_000);
      expect(await auth.login('kassir2', 'kassir-pass-2', '10.0.2.3')).toMatchObject({ ok: true });
    });
  },
  serverDbOptions,
);
