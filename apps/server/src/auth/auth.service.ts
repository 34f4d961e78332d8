import {
  ENROLLED_KINDS,
  refusal,
  ROLES,
  type EnrolledKind,
  type Refusal,
  type Role,
} from '@openkassa/contracts';
import type { Database } from '@openkassa/db';
import type { ServerSchema } from '../schema.js';
import { audit } from '../audit/index.js';
import {
  checkPassword,
  enrollmentCode,
  hashPassword,
  normalizeCode,
  randomSecret,
  sha256,
} from './secrets.js';

/** Who is asking: a person logged in, or an enrolled device acting for its store. */
export type Principal =
  | {
      readonly kind: 'user';
      readonly id: string;
      readonly login: string;
      readonly name: string;
      readonly role: Role;
      /** '*' for every store. */
      readonly stores: '*' | readonly string[];
    }
  | {
      readonly kind: 'device';
      readonly id: string;
      readonly deviceKind: EnrolledKind;
      readonly store: string;
    };

export const actorOf = (p: Principal | null | undefined) => (p ? `${p.kind}:${p.id}` : 'anonymous');

export interface AuthOptions {
  /** A session ends this long after login. */
  readonly sessionHours?: number;
  /** Failed logins in a row that lock a user out, and for how long. */
  readonly lockAfter?: number;
  readonly lockMinutes?: number;
  /** Login attempts per client address per minute. */
  readonly loginsPerMinute?: number;
}

export type LoginOutcome =
  | { ok: true; token: string; expiresAt: string; user: Extract<Principal, { kind: 'user' }> }
  | (Refusal & { code: 'bad-login' | 'locked' | 'rate-limited'; retryAfterSeconds?: number });

export type Result<T> = { ok: true; value: T } | Refusal;
const fail = refusal;

export interface UserInput {
  readonly login: string;
  readonly name: string;
  readonly role: Role;
  readonly stores: '*' | readonly string[];
  readonly password: string;
}

const SESSION_PREFIX = 'oks_';
const DEVICE_PREFIX = 'okd_';
/** A credential checked once is trusted this long without the database (revocation is local at once). */
const CACHE_MS = 10_000;

export interface UserView {
  readonly id: string;
  readonly login: string;
  readonly name: string;
  readonly role: Role;
  readonly stores: '*' | readonly string[];
  readonly disabled: boolean;
  readonly lockedUntil: string | null;
}

const parseStores = (s: string): '*' | string[] => (s === '*' ? '*' : (JSON.parse(s) as string[]));

/**
 * Users, sessions, device credentials and enrollment codes. Every change and every login (and
 * failed login) is written to the audit log.
 */
export class AuthService {
  readonly #db: Database<ServerSchema>;
  readonly #now: () => Date;
  readonly #o: Required<AuthOptions>;
  readonly #cache = new Map<string, { p: Principal; until: number }>();
  readonly #attempts = new Map<string, number[]>();

  constructor(db: Database<ServerSchema>, clock: { now(): Date }, o: AuthOptions = {}) {
    this.#db = db;
    this.#now = () => clock.now();
    this.#o = {
      sessionHours: o.sessionHours ?? 12,
      lockAfter: o.lockAfter ?? 5,
      lockMinutes: o.lockMinutes ?? 15,
      loginsPerMinute: o.loginsPerMinute ?? 20,
    };
  }

  #iso = () => this.#now().toISOString();

  /** Creates the administrator `admin` with this password if the server has no administrator yet. */
  async ensureAdmin(password: string): Promise<boolean> {
    const any = await this.#db.db
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'admin')
      .executeTakeFirst();
    if (any) return false;
    const r = await this.createUser(null, {
      login: 'admin',
      name: 'Администратор',
      role: 'admin',
      stores: '*',
      password,
    });
    return r.ok;
  }

  async login(login: string, password: string, client: string): Promise<LoginOutcome> {
    const now = this.#now().getTime();
    const recent = (this.#attempts.get(client) ?? []).filter((t) => now - t < 60_000);
    if (recent.length >= this.#o.loginsPerMinute) {
      this.#attempts.set(client, recent);
      return {
        ok: false,
        code: 'rate-limited',
        message: 'too many login attempts from this address; wait a minute',
        retryAfterSeconds: Math.ceil((60_000 - (now - recent[0]!)) / 1000),
      };
    }
    recent.push(now);
    this.#attempts.set(client, recent);
    if (this.#attempts.size > 10_000)
      for (const [k, v] of this.#attempts) if (v.every((t) => now - t >= 60_000)) this.#attempts.delete(k);
    const row = await this.#db.db
      .selectFrom('users')
      .selectAll()
      .where('login', '=', login)
      .executeTakeFirst();
    const at = this.#iso();
    if (row?.locked_until && row.locked_until > at)
      return { ok: false, code: 'locked', message: `locked after failed logins until ${row.locked_until}` };
    // a missing user costs the same time as a wrong password
    const good = await checkPassword(password, row?.password_hash ?? DUMMY_HASH);
    if (!row || !good || row.disabled) {
      if (row && !row.disabled) {
        const failed = row.failed_logins + 1;
        const lock = failed >= this.#o.lockAfter;
        const until = lock ? new Date(now + this.#o.lockMinutes * 60_000).toISOString() : null;
        await this.#db.db
          .updateTable('users')
          .set({ failed_logins: lock ? 0 : failed, locked_until: until })
          .where('id', '=', row.id)
          .execute();
        if (lock)
          await audit(
            this.#db,
            { actor: 'anonymous', action: 'user.locked', subject: row.id, detail: { until, client } },
            at,
          );
      }
      await audit(
        this.#db,
        { actor: 'anonymous', action: 'auth.login-failed', subject: login.slice(0, 64), detail: { client } },
        at,
      );
      return { ok: false, code: 'bad-login', message: 'wrong login or password' };
    }
    await this.#db.db
      .updateTable('users')
      .set({ failed_logins: 0, locked_until: null })
      .where('id', '=', row.id)
      .execute();
    const token = SESSION_PREFIX + randomSecret();
    const expiresAt = new Date(now + this.#o.sessionHours * 3_600_000).toISOString();
    await this.#db.db
      .insertInto('sessions')
      .values({ token_hash: sha256(token), user_id: row.id, created_at: at, expires_at: expiresAt })
      .execute();
    await this.#db.db.deleteFrom('sessions').where('expires_at', '<', at).execute();
    await audit(
      this.#db,
      { actor: `user:${row.id}`, action: 'auth.login', subject: row.id, detail: { client } },
      at,
    );
    return { ok: true, token, expiresAt, user: userPrincipal(row) };
  }

  async logout(token: string): Promise<void> {
    const h = sha256(token);
    this.#cache.delete(h);
    await this.#db.db.deleteFrom('sessions').where('token_hash', '=', h).execute();
  }

  /** The principal of an `Authorization: Bearer …` header, or undefined. */
  async resolve(header: string | undefined): Promise<Principal | undefined> {
    if (!header?.startsWith('Bearer ')) return undefined;
    const token = header.slice(7).trim();
    if (token.length > 512) return undefined;
    const h = sha256(token);
    const now = this.#now();
    const hit = this.#cache.get(h);
    if (hit && hit.until > now.getTime()) return hit.p;
    const p = await this.#lookup(token, now.toISOString());
    if (this.#cache.size > 50_000) this.#cache.clear();
    if (p) this.#cache.set(h, { p, until: now.getTime() + CACHE_MS });
    else this.#cache.delete(h);
    return p;
  }

  async #lookup(token: string, now: string): Promise<Principal | undefined> {
    if (token.startsWith(SESSION_PREFIX)) {
      const r = await this.#db.db
        .selectFrom('sessions as s')
        .innerJoin('users as u', 'u.id', 's.user_id')
        .selectAll('u')
        .select('s.expires_at')
        .where('s.token_hash', '=', sha256(token))
        .executeTakeFirst();
      if (!r || r.expires_at <= now || r.disabled) return undefined;
      return userPrincipal(r);
    }
    if (token.startsWith(DEVICE_PREFIX)) {
      const [id64, secret] = token.slice(DEVICE_PREFIX.length).split('.');
      if (!id64 || !secret) return undefined;
      const id = Buffer.from(id64, 'base64url').toString();
      // a device id as enrollment makes them; anything else (a NUL, which PostgreSQL refuses in
      // text) is no device
      if (!/^[\w.:/@-]{1,128}$/.test(id)) return undefined;
      const r = await this.#db.db
        .selectFrom('device_credentials')
        .selectAll()
        .where('device_id', '=', id)
        .executeTakeFirst();
      if (!r || r.revoked_at) return undefined;
      const h = sha256(secret);
      if (h !== r.secret_hash && h !== r.previous_hash) return undefined;
      // the first use of a rotated secret retires the one before it
      if (h === r.secret_hash && r.previous_hash)
        await this.#db.db
          .updateTable('device_credentials')
          .set({ previous_hash: null })
          .where('device_id', '=', id)
          .execute();
      return { kind: 'device', id, deviceKind: r.kind as EnrolledKind, store: r.store };
    }
    return undefined;
  }

  // ---- users ---------------------------------------------------------------------------------

  async listUsers(): Promise<UserView[]> {
    const rows = await this.#db.db.selectFrom('users').selectAll().orderBy('login').execute();
    return rows.map(userView);
  }

  async createUser(by: Principal | null, u: UserInput): Promise<Result<UserView>> {
    const at = this.#iso();
    const exists = await this.#db.db
      .selectFrom('users')
      .select('id')
      .where('login', '=', u.login)
      .executeTakeFirst();
    if (exists) return fail('login-taken', `login ${u.login} is taken`);
    const row = {
      id: `u-${randomSecret(9)}`,
      login: u.login,
      name: u.name,
      role: u.role,
      stores: u.stores === '*' ? '*' : JSON.stringify(u.stores),
      password_hash: await hashPassword(u.password),
      failed_logins: 0,
      locked_until: null,
      disabled: 0,
      created_at: at,
      updated_at: at,
    };
    // two servers starting on one database may both create the first administrator: one wins
    const inserted = await this.#db.db
      .insertInto('users')
      .values(row)
      .onConflict((oc) => oc.column('login').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) return fail('login-taken', `login ${u.login} is taken`);
    await audit(
      this.#db,
      {
        actor: actorOf(by),
        action: 'user.create',
        subject: row.id,
        detail: { login: u.login, role: u.role, stores: u.stores },
      },
      at,
    );
    return { ok: true, value: userView(row) };
  }

  async updateUser(
    by: Principal,
    id: string,
    change: {
      name?: string;
      role?: Role;
      stores?: '*' | readonly string[];
      password?: string;
      disabled?: boolean;
    },
  ): Promise<Result<UserView>> {
    const at = this.#iso();
    const row = await this.#db.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return fail('no-user', `no user ${id}`);
    const set = {
      ...(change.name !== undefined && { name: change.name }),
      ...(change.role !== undefined && { role: change.role }),
      ...(change.stores !== undefined && {
        stores: change.stores === '*' ? '*' : JSON.stringify(change.stores),
      }),
      ...(change.password !== undefined && {
        password_hash: await hashPassword(change.password),
        failed_logins: 0,
        locked_until: null,
      }),
      ...(change.disabled !== undefined && { disabled: change.disabled ? 1 : 0 }),
      updated_at: at,
    };
    await this.#db.db.updateTable('users').set(set).where('id', '=', id).execute();
    // a changed role, store list or password ends the user's sessions
    if (
      change.role !== undefined ||
      change.stores !== undefined ||
      change.password !== undefined ||
      change.disabled
    ) {
      await this.#db.db.deleteFrom('sessions').where('user_id', '=', id).execute();
      this.#cache.clear();
    }
    const logged = Object.fromEntries(Object.entries(change).filter(([k]) => k !== 'password'));
    await audit(
      this.#db,
      {
        actor: actorOf(by),
        action: 'user.update',
        subject: id,
        detail: { ...logged, ...(change.password !== undefined && { password: 'changed' }) },
      },
      at,
    );
    const after = await this.#db.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    return { ok: true, value: userView(after) };
  }

  // ---- devices -------------------------------------------------------------------------------

  async createEnrollmentCode(by: Principal, store: string, kind: EnrolledKind, ttlHours: number) {
    const code = enrollmentCode();
    const at = this.#iso();
    const expiresAt = new Date(this.#now().getTime() + ttlHours * 3_600_000).toISOString();
    await this.#db.db
      .insertInto('enrollment_codes')
      .values({
        code_hash: sha256(normalizeCode(code)),
        store,
        kind,
        created_by: actorOf(by),
        created_at: at,
        expires_at: expiresAt,
        used_at: null,
        used_by: null,
      })
      .execute();
    await audit(
      this.#db,
      { actor: actorOf(by), action: 'device.enrollment-code', subject: store, detail: { kind, expiresAt } },
      at,
    );
    return { code, store, kind, expiresAt };
  }

  /** A device trades a one-time code for its own credentials (the secret is shown once). */
  async enroll(
    code: string,
    deviceId: string,
    name: string,
  ): Promise<Result<{ deviceId: string; store: string; kind: EnrolledKind; token: string }>> {
    const at = this.#iso();
    const secret = randomSecret();
    const r = await this.#db.transaction(async (tx) => {
      const c = await tx.db
        .selectFrom('enrollment_codes')
        .selectAll()
        .where('code_hash', '=', sha256(normalizeCode(code)))
        .executeTakeFirst();
      if (!c || c.used_at || c.expires_at <= at)
        return fail('bad-code', 'the enrollment code is unknown, used or expired');
      const existing = await tx.db
        .selectFrom('device_credentials')
        .select(['store', 'revoked_at'])
        .where('device_id', '=', deviceId)
        .executeTakeFirst();
      if (existing && existing.store !== c.store)
        return fail('other-store', `device ${deviceId} is enrolled for store ${existing.store}`);
      await tx.db
        .updateTable('enrollment_codes')
        .set({ used_at: at, used_by: deviceId })
        .where('code_hash', '=', c.code_hash)
        .execute();
      const row = {
        kind: c.kind,
        store: c.store,
        name,
        secret_hash: sha256(secret),
        previous_hash: null,
        enrolled_at: at,
        rotated_at: null,
        revoked_at: null,
      };
      await tx.db
        .insertInto('device_credentials')
        .values({ device_id: deviceId, ...row })
        .onConflict((oc) => oc.column('device_id').doUpdateSet(row))
        .execute();
      return { ok: true as const, value: { store: c.store, kind: c.kind as EnrolledKind } };
    });
    if (!r.ok) {
      await audit(
        this.#db,
        {
          actor: 'anonymous',
          action: 'device.enroll-refused',
          subject: deviceId,
          detail: { reason: r.code },
        },
        at,
      );
      return r;
    }
    this.#forget(deviceId);
    await audit(
      this.#db,
      {
        actor: `device:${deviceId}`,
        action: 'device.enroll',
        subject: deviceId,
        detail: { store: r.value.store, kind: r.value.kind, name },
      },
      at,
    );
    return { ok: true, value: { deviceId, ...r.value, token: deviceToken(deviceId, secret) } };
  }

  /** A device takes a new secret; the old one works until the new one is first used. */
  async rotate(device: Extract<Principal, { kind: 'device' }>): Promise<string> {
    const secret = randomSecret();
    const at = this.#iso();
    await this.#db.db
      .updateTable('device_credentials')
      // the secret last used stays valid until a new one is used, however often this is asked
      .set((eb) => ({
        previous_hash: eb.fn.coalesce('previous_hash', 'secret_hash'),
        secret_hash: sha256(secret),
        rotated_at: at,
      }))
      .where('device_id', '=', device.id)
      .execute();
    this.#forget(device.id);
    await audit(this.#db, { actor: `device:${device.id}`, action: 'device.rotate', subject: device.id }, at);
    return deviceToken(device.id, secret);
  }

  async revoke(by: Principal, deviceId: string): Promise<boolean> {
    const at = this.#iso();
    const r = await this.#db.db
      .updateTable('device_credentials')
      .set({ revoked_at: at })
      .where('device_id', '=', deviceId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    this.#forget(deviceId);
    if (r.numUpdatedRows === 0n) return false;
    await audit(this.#db, { actor: actorOf(by), action: 'device.revoke', subject: deviceId }, at);
    return true;
  }

  async credentialStore(deviceId: string): Promise<string | undefined> {
    const r = await this.#db.db
      .selectFrom('device_credentials')
      .select('store')
      .where('device_id', '=', deviceId)
      .executeTakeFirst();
    return r?.store;
  }

  async listCredentials() {
    return (
      await this.#db.db.selectFrom('device_credentials').selectAll().orderBy('device_id').execute()
    ).map((r) => ({
      deviceId: r.device_id,
      kind: r.kind,
      store: r.store,
      name: r.name,
      enrolledAt: r.enrolled_at,
      rotatedAt: r.rotated_at,
      revokedAt: r.revoked_at,
    }));
  }

  #forget(deviceId: string) {
    for (const [k, v] of this.#cache) if (v.p.kind === 'device' && v.p.id === deviceId) this.#cache.delete(k);
  }
}

/** What a device presents: its id and its secret. */
export const deviceToken = (id: string, secret: string) =>
  `${DEVICE_PREFIX}${Buffer.from(id).toString('base64url')}.${secret}`;

const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

function userPrincipal(r: ServerSchema['users']): Extract<Principal, { kind: 'user' }> {
  return {
    kind: 'user',
    id: r.id,
    login: r.login,
    name: r.name,
    role: r.role as Role,
    stores: parseStores(r.stores),
  };
}

function userView(r: ServerSchema['users']): UserView {
  return {
    id: r.id,
    login: r.login,
    name: r.name,
    role: r.role as Role,
    stores: parseStores(r.stores),
    disabled: r.disabled === 1,
    lockedUntil: r.locked_until,
  };
}

export { ROLES, ENROLLED_KINDS };
