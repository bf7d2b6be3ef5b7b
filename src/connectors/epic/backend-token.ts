import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import type { Connection } from '../../store/port.ts';
import { sleep } from '../common/backoff.ts';
import { connectionState, markNeedsReauth } from '../common/connection-state.ts';
import type { ConnectorDeps } from '../common/connector-deps.ts';
import { SourceError } from '../connector.ts';
import { EPIC_REFRESH_AHEAD_MS, EPIC_REFUSAL_RECHECK_MS, type EpicConfig } from './config.ts';
import { EPIC_ASSERTION_ALG, privateKeysOf, signingKid } from './key-ring.ts';

/**
 * OAuth error codes by which a token endpoint refuses the client itself (its key is not, or no
 * longer, trusted; the app registration is gone): only an operator can fix that, so the
 * connection is stored as `needs_reauth` and no further assertion is sent until it is reconnected.
 */
const CLIENT_REFUSED = new Set(['invalid_client', 'unauthorized_client', 'invalid_grant']);

/**
 * SMART Backend Services: `client_credentials` with a signed RS384 client assertion
 * (iss = sub = client id, aud = token URL, unique jti, exp 4 minutes ahead). No refresh token:
 * a new assertion gets a new token. One token request at a time per connection.
 */
export function createEpicTokenSource(deps: ConnectorDeps, connection: Connection, config: EpicConfig) {
  const key = `epic:${connection.tenant}/${connection.id}`;
  // A new signing key gets a new token (the cached one was issued under the old key: still valid, but
  // re-asking proves the new key works while the old one is still published).
  let tokenKid: string | undefined;

  async function fetchToken(recheck = true): Promise<string> {
    // Re-read: a rotation may have happened since the session opened.
    const current = await deps.store.connections.get(connection.tenant, connection.id);
    if (!current) throw new SourceError('needs_reauth', 'epic connection no longer exists');
    // Another process (or an earlier run) found the client refused: ask no more until reconnected.
    if (connectionState(current) === 'needs_reauth')
      throw new SourceError('needs_reauth', 'epic connection needs re-authorization');
    const secrets = await deps.store.connections.secrets(connection.tenant, connection.id);
    const kid = signingKid(current, deps.now());
    const jwk = kid ? privateKeysOf(secrets)[kid] : undefined;
    if (!jwk) throw new SourceError('needs_reauth', 'epic connection has no signing key');
    const privateKey = await importJWK(jwk, EPIC_ASSERTION_ALG);
    const nowSeconds = Math.floor(deps.now() / 1000);
    const assertion = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: EPIC_ASSERTION_ALG, kid: kid ?? '', typ: 'JWT' })
      .setIssuer(config.clientId)
      .setSubject(config.clientId)
      .setAudience(config.tokenUrl)
      // No `nbf`: a clock a little ahead of Epic's would make a fresh assertion "not yet valid".
      .setIssuedAt(nowSeconds)
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
      const code =
        typeof body?.error === 'string' && /^[a-z_]{1,40}$/.test(body.error) ? body.error : undefined;
      if ((code !== undefined && CLIENT_REFUSED.has(code)) || (code === undefined && res.status === 401)) {
        // Once more, a little later, before calling it for good: a verifier that failed to fetch
        // our JWKS (a timeout) answers the same invalid_client as one that no longer trusts the key.
        if (recheck) {
          await sleep(EPIC_REFUSAL_RECHECK_MS);
          return fetchToken(false);
        }
        // The key is not (or no longer) trusted: an operator must register the JWKS URL again.
        await markNeedsReauth(
          deps.store,
          connection.tenant,
          connection.id,
          'assertion_rejected',
          new Date(deps.now()),
        );
        throw new SourceError(
          'needs_reauth',
          `epic token endpoint refused the client assertion (${code ?? res.status}); reconnect needed`,
          { status: res.status, ...(code ? { sourceCode: code } : {}) },
        );
      }
      // A malformed request is ours to fix, not the operator's: reported, tried again next run.
      throw new SourceError(
        'rejected',
        `epic token endpoint refused the token request (${code ?? 'no code'})`,
        {
          status: res.status,
          ...(code ? { sourceCode: code } : {}),
        },
      );
    }
    if (res.status !== 200 || typeof body?.access_token !== 'string')
      throw new SourceError('unavailable', `epic token endpoint answered ${res.status}`, {
        status: res.status,
      });
    const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    deps.shared.tokens.set(key, { token: body.access_token, expiresAt: deps.now() + expiresIn * 1000 });
    tokenKid = kid;
    return body.access_token;
  }

  return {
    async accessToken(fresh = false): Promise<string> {
      const cached = deps.shared.tokens.get(key);
      const sameKey = tokenKid === undefined || tokenKid === signingKid(connection, deps.now());
      if (!fresh && sameKey && cached && cached.expiresAt - EPIC_REFRESH_AHEAD_MS > deps.now())
        return cached.token;
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
