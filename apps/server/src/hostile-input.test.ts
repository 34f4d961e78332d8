import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@openkassa/db';
import { createTestDatabase, type TestDatabase } from '@openkassa/db/testing';
import { fuzzHttp } from '../../../test/fuzz/http.js';
import type { RunningServer } from './main.js';
import { serverDbOptions } from './migrations/index.js';
import type { ServerSchema } from './schema.js';
import { startTestServer } from './testing.js';

for (const dialect of ['sqlite', 'postgres'] as const)
  describe(`hostile input on every endpoint and on the relay port [${dialect}]`, () => {
    let t: TestDatabase;
    let s: RunningServer;
    let db: Database<ServerSchema>;

    beforeAll(async () => {
      t = await createTestDatabase(dialect);
      s = await startTestServer(t.config, {
        answerWaitMs: 200,
        limits: { frameTimeoutMs: 300, idleTimeoutMs: 2000, maxConnections: 1000 },
      });
      db = openDatabase<ServerSchema>(t.config, serverDbOptions);
    });
    afterAll(async () => {
      await db.close();
      await s.close();
      await t.drop();
    });

    it('thousands of malformed requests: 4xx with a reason, no crash, nothing stored, valid traffic unharmed', async () => {
      const goodFn = dialect === 'sqlite' ? '9999078900440001' : '9999078900440002';
      const r = await fuzzHttp(s, db, { perRoute: 60, seed: 1, goodFn });
      expect(r.requests).toBeGreaterThan(2000);
      // no 5xx of any kind: the database is here all along, so not even a 503
      expect(r.fivexx).toEqual([]);
      // every refusal says why (an empty body too is a refusal without a reason)
      expect(r.noReason).toEqual([]);
      expect(r.validErrors).toEqual([]);
      expect(r.validIds).toBeGreaterThan(5);
      expect((await fetch(`${s.httpUrl}/healthz`)).status).toBe(200);
      // nothing stored or changed but the valid documents (the users' rows compared as they are)
      expect(r.after).toEqual(r.before);
      // and the relay still stores a good message after all that, once
      expect(r.relayStored).toBe(1);
      console.log(
        `hostile input: ${r.requests} HTTP requests (${[...r.statuses].map(([k, v]) => `${k}×${v}`).join(', ')}), ${r.relayJunk} relay connections; ${r.validIds} valid batches alongside`,
      );
    }, 180_000);
  });
