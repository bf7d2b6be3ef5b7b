import { randomUUID } from 'node:crypto';
import type { SourceSystem } from '../../fhir/identity.ts';
import type { ConnectSeal } from './connect-seal.ts';

export const CONNECT_LINK_PURPOSE = 'connect-link';
/** Links live 15 minutes unless the admin asks otherwise. */
export const DEFAULT_LINK_TTL_MS = 15 * 60_000;
const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export type ConnectLinkInput = {
  tenant: string;
  source: SourceSystem;
  gatewayUrl: string;
  now: number;
  ttlMs?: number;
};

/** A short-lived, single-use link an admin hands to whoever connects the tenant's clinic. */
export function mintConnectLink(
  seal: ConnectSeal,
  input: ConnectLinkInput,
): { url: string; expiresAt: string } {
  if (!TENANT_ID.test(input.tenant)) throw new Error(`tenant id must match ${TENANT_ID.source}`);
  const expiresAt = input.now + (input.ttlMs ?? DEFAULT_LINK_TTL_MS);
  const token = seal.seal(
    CONNECT_LINK_PURPOSE,
    { tenant: input.tenant, source: input.source, jti: randomUUID() },
    expiresAt,
  );
  const url = new URL('/connect', input.gatewayUrl);
  url.searchParams.set('link', token);
  return { url: url.toString(), expiresAt: new Date(expiresAt).toISOString() };
}
