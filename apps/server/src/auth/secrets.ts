import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** Passwords: scrypt with 32 MiB of memory per check (N 2^15, r 8, p 1), salted. */
const N = 2 ** 15;
const R = 8;
const P = 1;
const MAXMEM = 64 * 1024 * 1024;

function scryptAsync(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, 32, { N: n, r, p, maxmem: MAXMEM }, (e, key) => (e ? reject(e) : resolve(key))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function checkPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, key] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !key) return false;
  const want = Buffer.from(key, 'base64url');
  const got = await scryptAsync(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  return got.length === want.length && timingSafeEqual(got, want);
}

/** Long random secrets (session tokens, device secrets, enrollment codes) are kept as SHA-256. */
export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export const randomSecret = (bytes = 32) => randomBytes(bytes).toString('base64url');

/** An enrollment code as an installer types it: 4 groups of 4 letters and digits, no look-alikes. */
export function enrollmentCode(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const b = randomBytes(16);
  let s = '';
  for (let i = 0; i < 16; i++) s += (i > 0 && i % 4 === 0 ? '-' : '') + alphabet[b[i]! % 32];
  return s;
}

/** Codes are compared without case, dashes or spaces. */
export const normalizeCode = (code: string) => code.toUpperCase().replace(/[\s-]/g, '');
