import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '@openkassa/db/testing';
import { DeviceCredentials } from '@openkassa/runtime';
import { adminHeaders, enrollmentCode, startTestServer } from '../testing.js';

for (const dialect of ['sqlite', 'postgres'] as const)
  describe(`enrollment [${dialect}]`, () => {
    it('a device whose uploads, catalogue and heartbeat all start at once enrolls once, and each of them gets the token', async () => {
      const t = dialect === 'postgres' ? await createTestDatabase('postgres') : undefined;
      const s = await startTestServer(t?.config ?? mkdtempSync(join(tmpdir(), 'ok-enroll-')));
      try {
        const code = await enrollmentCode(s.httpUrl, await adminHeaders(s.httpUrl), 'S1');
        let saved = 0;
        const warnings: string[] = [];
        const creds = new DeviceCredentials({
          server: s.httpUrl,
          device: { id: 'till:S1/T9', name: 'Касса T9' },
          code,
          store: {
            load: () => Promise.resolve(undefined),
            save: () => {
              saved++;
              return Promise.resolve();
            },
          },
          log: { warn: (m) => warnings.push(m) },
        });
        // a till's three workers ask for their headers in the same moment after it starts
        const headers = await Promise.all([creds.headers(), creds.headers(), creds.headers()]);
        expect(headers.map((h) => h.authorization?.startsWith('Bearer '))).toEqual([true, true, true]);
        expect(new Set(headers.map((h) => h.authorization)).size).toBe(1);
        expect(saved).toBe(1);
        expect(warnings).toEqual([]);
        // and the token works
        const me = await fetch(new URL('/api/v1/auth/me', s.httpUrl), { headers: headers[0] });
        expect(me.status).toBe(200);
      } finally {
        await s.close();
        await t?.drop();
      }
    });
  });
