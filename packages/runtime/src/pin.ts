import { randomBytes, scryptSync } from 'node:crypto';
import type { CatalogUser, CatalogUserInput } from '@openkassa/contracts';

/**
 * A PIN's hash as tills check it: scrypt (N 16384, r 8, p 1), 32 bytes, hex. Here and not in the
 * contracts, which stay pure: the head office hashes a PIN it is given, the till checks one typed.
 */
export function pinHash(pin: string, salt: string): string {
  return scryptSync(pin, salt, 32, { N: 16384, r: 8, p: 1 }).toString('hex');
}

/** The stored form of a user given with a PIN: a fresh salt and the hash. */
export function hashUser(u: CatalogUserInput): CatalogUser {
  const { pin, ...rest } = u;
  const salt = randomBytes(16).toString('hex');
  return { ...rest, pinSalt: salt, pinHash: pinHash(pin, salt) };
}
