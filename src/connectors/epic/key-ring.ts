import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Connection, Store } from '../../store/port.ts';
import { EPIC_KEY_ACTIVATION_MS, EPIC_KEY_GRACE_MS, type PublishedKey } from './config.ts';

/** Epic requires RS384 client assertions. */
export const EPIC_ASSERTION_ALG = 'RS384';

export type EpicKey = { kid: string; publicJwk: JWK; privateJwk: JWK };

/** A fresh RSA key pair for client assertions; the private half goes only into encrypted secrets. */
export async function generateEpicKey(): Promise<EpicKey> {
  const { publicKey, privateKey } = await generateKeyPair(EPIC_ASSERTION_ALG, {
    extractable: true,
    modulusLength: 2048,
  });
  const kid = randomUUID();
  const meta = { kid, alg: EPIC_ASSERTION_ALG, use: 'sig' };
  return {
    kid,
    publicJwk: { ...(await exportJWK(publicKey)), ...meta },
    privateJwk: { ...(await exportJWK(privateKey)), ...meta },
  };
}

const keysOf = (connection: Connection) => (connection.config.keys ?? []) as PublishedKey[];
const live = (k: PublishedKey, now: number) => k.retireAt === undefined || Date.parse(k.retireAt) > now;

/** The keys a connection publishes now: the signing key, a coming one, and retired ones in their grace period. */
export function publishedKeys(connection: Connection, now: number): JWK[] {
  return keysOf(connection)
    .filter((k) => live(k, now))
    .map((k) => k.publicJwk as JWK);
}

/** The kid that signs now: the newest key already active (published long enough for verifiers to see it). */
export function signingKid(connection: Connection, now: number): string | undefined {
  const active = keysOf(connection).filter(
    (k) => live(k, now) && (k.activateAt === undefined || Date.parse(k.activateAt) <= now),
  );
  active.sort((a, b) => Date.parse(b.activateAt ?? b.createdAt) - Date.parse(a.activateAt ?? a.createdAt));
  return active[0]?.kid;
}

/** The private keys of a connection, by kid (secrets `privateKeys`, JSON). */
export function privateKeysOf(secrets: Record<string, string>): Record<string, JWK> {
  try {
    return JSON.parse(secrets.privateKeys ?? '{}') as Record<string, JWK>;
  } catch {
    return {};
  }
}

/**
 * Rotation without downtime: the new key is published at once but signs only after
 * `activateAfterMs` (longer than verifiers cache a JWKS); the old key keeps signing until then and
 * stays published for a grace period after. Config and secrets change in one atomic write.
 */
export async function rotateEpicKey(
  store: Store,
  tenant: string,
  id: string,
  now: number,
  activateAfterMs: number = EPIC_KEY_ACTIVATION_MS,
): Promise<string> {
  const connection = await store.connections.get(tenant, id);
  if (connection?.source !== 'epic') throw new Error('no Epic connection with that id');
  const secrets = await store.connections.secrets(tenant, id);
  const next = await generateEpicKey();
  const activateAt = new Date(now + activateAfterMs).toISOString();
  const retireAt = new Date(now + activateAfterMs + EPIC_KEY_GRACE_MS).toISOString();
  const keys = keysOf(connection)
    .filter((k) => live(k, now))
    .map((k) => (k.retireAt ? k : { ...k, retireAt }));
  keys.push({ kid: next.kid, publicJwk: next.publicJwk, createdAt: new Date(now).toISOString(), activateAt });
  const privates = privateKeysOf(secrets);
  const kept = Object.fromEntries(
    Object.entries(privates).filter(([kid]) => keys.some((k) => k.kid === kid)),
  );
  await store.connections.put(
    { tenant, id, source: 'epic', config: { ...connection.config, keys } },
    { ...secrets, privateKeys: JSON.stringify({ ...kept, [next.kid]: next.privateJwk }) },
  );
  return next.kid;
}
