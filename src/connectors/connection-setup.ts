import type { Connection, Store } from '../store/port.ts';
import type { OAuthTokens } from './common/oauth-code-flow.ts';
import { generateEpicKey } from './epic/key-ring.ts';

/**
 * Writes a connection after a successful authorization: settings in config, the client secret
 * and tokens in the encrypted secrets, state active (a reconnect clears `needs_reauth`).
 */
export async function saveOAuthConnection(
  store: Store,
  input: {
    tenant: string;
    id: string;
    source: 'jane' | 'drchrono';
    config: Record<string, unknown>;
    clientSecret: string;
    tokens: OAuthTokens;
    now: number;
  },
): Promise<Connection> {
  const { state: _state, stateReason: _reason, stateSince: _since, ...config } = input.config;
  return store.connections.put(
    { tenant: input.tenant, id: input.id, source: input.source, config: { ...config, state: 'active' } },
    {
      clientSecret: input.clientSecret,
      accessToken: input.tokens.accessToken,
      accessExpiresAt: String(input.now + input.tokens.expiresInSeconds * 1000),
      ...(input.tokens.refreshToken ? { refreshToken: input.tokens.refreshToken } : {}),
    },
  );
}

/**
 * Creates (or keeps) an Epic backend-services connection with its own RS384 key pair: the public
 * key is published at /.well-known/jwks.json, the private key lives only in the encrypted secrets.
 * An existing connection keeps its keys (so re-running the setup does not break trust).
 */
export async function ensureEpicConnection(
  store: Store,
  input: {
    tenant: string;
    id: string;
    fhirBaseUrl: string;
    tokenUrl: string;
    clientId: string;
    groupId: string;
    now: number;
  },
): Promise<Connection> {
  const existing = await store.connections.get(input.tenant, input.id);
  if (existing && existing.source === 'epic' && Array.isArray(existing.config.keys)) {
    const secrets = await store.connections.secrets(input.tenant, input.id);
    return store.connections.put(
      {
        tenant: input.tenant,
        id: input.id,
        source: 'epic',
        config: {
          ...existing.config,
          fhirBaseUrl: input.fhirBaseUrl,
          tokenUrl: input.tokenUrl,
          clientId: input.clientId,
          groupId: input.groupId,
          state: 'active',
        },
      },
      secrets,
    );
  }
  const key = await generateEpicKey();
  return store.connections.put(
    {
      tenant: input.tenant,
      id: input.id,
      source: 'epic',
      config: {
        fhirBaseUrl: input.fhirBaseUrl,
        tokenUrl: input.tokenUrl,
        clientId: input.clientId,
        groupId: input.groupId,
        keys: [{ kid: key.kid, publicJwk: key.publicJwk, createdAt: new Date(input.now).toISOString() }],
        state: 'active',
      },
    },
    { privateKeys: JSON.stringify({ [key.kid]: key.privateJwk }) },
  );
}
