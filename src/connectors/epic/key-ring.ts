import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Connection, Store } from '../../store/port.ts';
import { EPIC_KEY_GRACE_MS, type PublishedKey } from './config.ts';

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

/** The keys a connection publishes now: current ones and rotated ones still in their grace period. */
export function publishedKeys(connection: Connection, now: number): JWK[] {
  const keys = (connection.config.keys ?? []) as PublishedKey[];
  return keys
    .filter((k) => k.retireAt === undefined || Date.parse(k.retireAt) > now)
    .map((k) => k.publicJwk as JWK);
}

/**
 * Rotation without downtime: the new key is published next to the old one (which keeps
 * verifying for the grace period) and becomes the signing key in the same atomic write.
 */
export async function rotateEpicKey(store: Store, tenant: string, id: string, now: number): Promise<string> {
  const connection = await store.connections.get(tenant, id);
  if (connection?.source !== 'epic') throw new Error('no Epic connection with that id');
  const secrets = await store.connections.secrets(tenant, id);
  const next = await generateEpicKey();
  const retireAt = new Date(now + EPIC_KEY_GRACE_MS).toISOString();
  const keys = ((connection.config.keys ?? []) as PublishedKey[])
    .filter((k) => k.retireAt === undefined || Date.parse(k.retireAt) > now)
    .map((k) => (k.retireAt ? k : { ...k, retireAt }));
  keys.push({ kid: next.kid, publicJwk: next.publicJwk, createdAt: new Date(now).toISOString() });
  await store.connections.put(
    { tenant, id, source: 'epic', config: { ...connection.config, keys } },
    { ...secrets, privateKeyJwk: JSON.stringify(next.privateJwk) },
  );
  return next.kid;
}
