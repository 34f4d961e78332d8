import type { DbConfig } from '@openkassa/db';
import { startServer, type RunningServer, type ServerConfig } from './main.js';

/** For tests: the administrator of servers started with `adminPassword: TEST_ADMIN_PASSWORD`. */
export const TEST_ADMIN_PASSWORD = 'test-admin-password';

/** A logged-in administrator's headers at this server. */
export async function adminHeaders(
  httpUrl: string,
  password = TEST_ADMIN_PASSWORD,
): Promise<Record<string, string>> {
  const r = await fetch(new URL('/api/v1/auth/login', httpUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'admin', password }),
  });
  if (!r.ok) throw new Error(`admin login at ${httpUrl}: ${r.status} ${await r.text()}`);
  return { authorization: `Bearer ${((await r.json()) as { token: string }).token}` };
}

/** A fresh one-time enrollment code of this server for a device of `store`. */
export async function enrollmentCode(
  httpUrl: string,
  admin: Record<string, string>,
  store: string,
  kind: 'till' | 'store-server' | 'scale-server' = 'till',
): Promise<string> {
  const c = await fetch(new URL('/api/v1/enrollment-codes', httpUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...admin },
    body: JSON.stringify({ store, kind }),
  });
  if (c.status !== 201) throw new Error(`enrollment code: ${c.status} ${await c.text()}`);
  return ((await c.json()) as { code: string }).code;
}

/** An enrolled device's headers at this server (enrolled now with a fresh code). */
export async function deviceHeaders(
  httpUrl: string,
  admin: Record<string, string>,
  device: { id: string; store: string; kind?: 'till' | 'store-server' | 'scale-server' },
): Promise<Record<string, string>> {
  const code = await enrollmentCode(httpUrl, admin, device.store, device.kind);
  const e = await fetch(new URL('/api/v1/enroll', httpUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, deviceId: device.id, name: device.id }),
  });
  if (e.status !== 201) throw new Error(`enroll: ${e.status} ${await e.text()}`);
  return { authorization: `Bearer ${((await e.json()) as { token: string }).token}` };
}

/**
 * A cash server for tests: on free local ports, forwarding to a closed port, its administrator
 * created with TEST_ADMIN_PASSWORD; storage: a DbConfig or an SQLite folder.
 */
export async function startTestServer(
  storage: DbConfig | string,
  extra: Partial<ServerConfig> = {},
  log: { info(m: string): void; warn(m: string): void } = { info: () => undefined, warn: () => undefined },
): Promise<RunningServer> {
  return startServer(
    {
      ...(typeof storage === 'string' ? { dataDir: storage } : { db: storage }),
      http: { host: '127.0.0.1', port: 0 },
      relay: { host: '127.0.0.1', port: 0 },
      upstream: { host: '127.0.0.1', port: 9 },
      adminPassword: TEST_ADMIN_PASSWORD,
      ...extra,
    },
    log,
  );
}
