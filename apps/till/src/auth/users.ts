import { randomBytes, timingSafeEqual } from 'node:crypto';
import { ROLE_NAMES, roleCan, TILL_ROLES, type Permission } from '@openkassa/contracts';
import { pinHash } from '@openkassa/runtime';
import type { Database } from '@openkassa/db';
import type { TillSchema } from '../schema.js';

export const ROLES = TILL_ROLES;
export type Role = (typeof ROLES)[number];
export type { Permission };
export { ROLE_NAMES };

export interface User {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
}

export function can(user: User, p: Permission): boolean {
  return roleCan(user.role, p);
}

export async function addUser(
  db: Database<TillSchema>,
  u: { id: string; name: string; role: Role; pin: string },
): Promise<void> {
  if (!/^\d{4,8}$/.test(u.pin)) throw new RangeError('a PIN is 4 to 8 digits');
  const salt = randomBytes(16).toString('hex');
  const row = { id: u.id, name: u.name, role: u.role, pin_salt: salt, pin_hash: pinHash(u.pin, salt) };
  await db.db
    .insertInto('users')
    .values(row)
    .onConflict((oc) => oc.column('id').doUpdateSet(row))
    .execute();
}

/** The user with this PIN, if any. PINs are few and short, so every user is checked. */
export async function userByPin(db: Database<TillSchema>, pin: string): Promise<User | undefined> {
  if (!/^\d{4,8}$/.test(pin)) return undefined;
  const rows = await db.db.selectFrom('users').selectAll().execute();
  for (const r of rows) {
    const want = Buffer.from(r.pin_hash, 'hex');
    const got = Buffer.from(pinHash(pin, r.pin_salt), 'hex');
    if (want.length === got.length && timingSafeEqual(want, got))
      return { id: r.id, name: r.name, role: r.role as Role };
  }
  return undefined;
}

/** Till sessions: a random token per login, ended by logout or after hours of no use. */
export class Sessions {
  readonly #byToken = new Map<string, { user: User; lastUsed: number }>();
  readonly #idleMs: number;

  constructor(idleMs = 8 * 3600_000) {
    this.#idleMs = idleMs;
  }

  open(user: User): string {
    const token = randomBytes(24).toString('base64url');
    this.#byToken.set(token, { user, lastUsed: Date.now() });
    return token;
  }

  user(token: string | undefined): User | undefined {
    if (!token) return undefined;
    const s = this.#byToken.get(token);
    if (!s) return undefined;
    if (Date.now() - s.lastUsed > this.#idleMs) {
      this.#byToken.delete(token);
      return undefined;
    }
    s.lastUsed = Date.now();
    return s.user;
  }

  close(token: string): void {
    this.#byToken.delete(token);
  }
}
