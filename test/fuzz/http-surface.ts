/** `npm run fuzz -- --surface http`: the hostile-input scenario at any size, on an embedded database. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@openkassa/db';
import { serverDbOptions, type ServerSchema } from '@openkassa/server';
import { startTestServer } from '@openkassa/server/testing';
import { fuzzHttp } from './http.js';
import type { FuzzReport } from './surfaces.js';

export async function httpSurface(inputs: number, seed: number): Promise<FuzzReport> {
  const dir = mkdtempSync(join(tmpdir(), 'ok-fuzz-http-'));
  const s = await startTestServer(dir, {
    answerWaitMs: 200,
    limits: { frameTimeoutMs: 300, idleTimeoutMs: 2000, maxConnections: 1000 },
  });
  const db = openDatabase<ServerSchema>(
    { kind: 'sqlite', file: join(dir, 'server.sqlite') },
    serverDbOptions,
  );
  try {
    // every route but logout (it would end the sessions the run uses)
    const perRoute = Math.max(1, Math.ceil(inputs / (s.routes.length - 1)));
    const r = await fuzzHttp(s, db, { perRoute, seed, goodFn: '9999078900448888' });
    const none = new Uint8Array();
    const failures = [
      ...r.fivexx.map((why) => ({ bytes: none, why: `5xx: ${why}` })),
      ...r.noReason.map((why) => ({ bytes: none, why: `4xx without a reason: ${why}` })),
      ...r.validErrors.map((why) => ({ bytes: none, why: `valid traffic failed: ${why}` })),
      ...Object.keys(r.before)
        .filter((k) => r.before[k] !== r.after[k])
        .map((k) => ({
          bytes: none,
          why: `${k} changed: ${String(r.before[k]).slice(0, 60)} → ${String(r.after[k]).slice(0, 60)}`,
        })),
      ...(r.relayStored === 1
        ? []
        : [{ bytes: none, why: `the good relay message stored ${r.relayStored} times` }]),
    ];
    return {
      surface: 'http',
      inputs: r.requests,
      seconds: r.seconds,
      outcomes: {
        ...Object.fromEntries([...r.statuses].map(([k, v]) => [`HTTP ${k}`, v])),
        'valid batches alongside': r.validIds,
      },
      failures,
    };
  } finally {
    await db.close();
    await s.close();
  }
}
