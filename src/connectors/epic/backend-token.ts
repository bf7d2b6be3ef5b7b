import { randomUUID } from 'node:crypto';
import { importJWK, type JWK, SignJWT } from 'jose';
import type { Connection } from '../../store/port.ts';
import type { ConnectorDeps } from '../common/connector-deps.ts';
import { SourceError } from '../connector.ts';
import { EPIC_REFRESH_AHEAD_MS, type EpicConfig } from './config.ts';
import { EPIC_ASSERTION_ALG } from './key-ring.ts';

/**
 * SMART Backend Services: `client_credentials` with a signed RS384 client assertion
 * (iss = sub = client id, aud = token URL, unique jti, exp 4 minutes ahead). No refresh token:
 * a new assertion gets a new token. One token request at a time per connection.
 */
export function createEpicTokenSource(deps: ConnectorDeps, connection: Connection, config: EpicConfig) {
  const key = `epic:${connection.tenant}/${connection.id}`;

  async function fetchToken(): Promise<string> {
    const secrets = await deps.store.connections.secrets(connection.tenant, connection.id);
    if (!secrets.privateKeyJwk) throw new SourceError('needs_reauth', 'epic connection has no signing key');
    const jwk = JSON.parse(secrets.privateKeyJwk) as JWK;
    const privateKey = await importJWK(jwk, EPIC_ASSERTION_ALG);
    const nowSeconds = Math.floor(deps.now() / 1000);
    const assertion = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: EPIC_ASSERTION_ALG, kid: jwk.kid ?? '', typ: 'JWT' })
      .setIssuer(config.clientId)
      .setSubject(config.clientId)
      .setAudience(config.tokenUrl)
      .setIssuedAt(nowSeconds)
      .setNotBefore(nowSeconds)
      .setExpirationTime(nowSeconds + 240)
      .sign(privateKey);
    let res: Response;
    let body: { access_token?: unknown; expires_in?: unknown; error?: unknown } | undefined;
    try {
      res = await deps.fetch(config.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
        }),
        signal: AbortSignal.timeout(30_000),
      });
      body = (await res.json().catch(() => undefined)) as typeof body;
    } catch {
      throw new SourceError('unavailable', 'epic token endpoint unreachable');
    }
    if (res.status === 400 || res.status === 401) {
      // The key is not (or no longer) trusted: an operator must register the JWKS URL again.
      const code =
        typeof body?.error === 'string' && /^[a-z_]{1,40}$/.test(body.error) ? body.error : 'rejected';
      throw new SourceError('needs_reauth', `epic token endpoint refused the client assertion (${code})`, {
        status: res.status,
      });
    }
    if (res.status !== 200 || typeof body?.access_token !== 'string')
      throw new SourceError('unavailable', `epic token endpoint answered ${res.status}`, {
        status: res.status,
      });
    const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    deps.shared.tokens.set(key, { token: body.access_token, expiresAt: deps.now() + expiresIn * 1000 });
    return body.access_token;
  }

  return {
    async accessToken(fresh = false): Promise<string> {
      const cached = deps.shared.tokens.get(key);
      if (!fresh && cached && cached.expiresAt - EPIC_REFRESH_AHEAD_MS > deps.now()) return cached.token;
      if (fresh) deps.shared.tokens.delete(key);
      const running = deps.shared.refreshes.get(key);
      if (running) return running;
      const promise = fetchToken().finally(() => deps.shared.refreshes.delete(key));
      deps.shared.refreshes.set(key, promise);
      return promise;
    },
  };
}

export type EpicTokenSource = ReturnType<typeof createEpicTokenSource>;
