import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every key starts with this, so leaked keys are recognisable by secret scanners and people. */
export const TOKEN_PREFIX = 'fgw_';

export type ApiKeyToken = { id: string; secret: string; token: string };

/**
 * A new key `fgw_<id>_<secret>`: a 64-bit hex public id (looked up, shown in lists and logs)
 * and a 256-bit random secret (base64url, only ever shown once).
 */
export function generateApiKeyToken(): ApiKeyToken {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, token: `${TOKEN_PREFIX}${id}_${secret}` };
}

/** Splits a presented key; undefined when it does not have the key's shape. */
export function parseApiKeyToken(token: string): { id: string; secret: string } | undefined {
  const match = /^fgw_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/.exec(token);
  return match ? { id: match[1] as string, secret: match[2] as string } : undefined;
}

/**
 * SHA-256 of the secret. The secret is 256 random bits, so a slow password KDF (bcrypt,
 * scrypt, argon2) adds nothing: nobody can brute-force 2^256 guesses however fast the hash,
 * while a slow KDF would cost every request tens of milliseconds. This is how GitHub and
 * Stripe-style high-entropy tokens are stored.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}
