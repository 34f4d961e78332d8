import { authApi } from '@openkassa/contracts';
import { Option, type Command } from 'commander';

/** Talking to a cash server's API as a person: log in, ask, enroll devices. */

export interface ServerLogin {
  /** A session token (`--token`, or OPENKASSA_TOKEN), or a login and password to get one. */
  readonly token?: string;
  readonly user?: string;
  readonly password?: string;
}

export async function login(server: string, user: string, password: string): Promise<string> {
  const r = await fetch(new URL('/api/v1/auth/login', server), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: user, password }),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`login as ${user} at ${server}: HTTP ${r.status} ${text.slice(0, 200)}`);
  return (JSON.parse(text) as { token: string }).token;
}

/** The Authorization header for a command's `--token` / `--user` + `--password`. */
export async function authHeader(server: string, o: ServerLogin): Promise<Record<string, string>> {
  if (o.token) return { authorization: `Bearer ${o.token}` };
  if (o.user && o.password) return { authorization: `Bearer ${await login(server, o.user, o.password)}` };
  throw new Error(
    'log in to the server: --token <session token> (or OPENKASSA_TOKEN), or --user and --password (OPENKASSA_USER, OPENKASSA_PASSWORD)',
  );
}

/** A one-time code for a device of a store (a till, a store server). */
export async function enrollmentCode(
  server: string,
  token: string,
  store: string,
  kind: 'till' | 'store-server' | 'scale-server',
): Promise<string> {
  const r = await fetch(new URL(authApi.enrollmentCode.url, server), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ store, kind }),
  });
  const text = await r.text();
  if (!r.ok)
    throw new Error(`enrollment code for ${kind} of ${store}: HTTP ${r.status} ${text.slice(0, 200)}`);
  return (JSON.parse(text) as { code: string }).code;
}

/** `--token` or `--user` and `--password`, also from OPENKASSA_TOKEN / OPENKASSA_USER / OPENKASSA_PASSWORD. */
export function withLogin(cmd: Command): Command {
  return cmd
    .addOption(new Option('--token <token>', 'a session token of the server').env('OPENKASSA_TOKEN'))
    .addOption(new Option('--user <login>', 'log in as this user').env('OPENKASSA_USER'))
    .addOption(
      new Option('--password <password>', 'the password (better: OPENKASSA_PASSWORD)').env(
        'OPENKASSA_PASSWORD',
      ),
    );
}
