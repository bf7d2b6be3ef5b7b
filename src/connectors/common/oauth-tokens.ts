import type { Store } from '../../store/port.ts';
import { SourceError } from '../connector.ts';
import { connectionState, markNeedsReauth } from './connection-state.ts';

/**
 * Access tokens of an OAuth authorization-code connection (Jane, DrChrono): refreshed ahead of
 * expiry, one refresh at a time per connection (callers share the in-flight refresh), the
 * rotated refresh token and the new access token written in one `connections.put` (atomic:
 * never a new refresh token without its access token or the reverse). A refresh refused for
 * good marks the connection `needs_reauth` and every later call fails fast: no retry storm.
 *
 * Secrets layout: clientSecret, accessToken, accessExpiresAt (epoch ms), refreshToken.
 */
export type OAuthTokenDeps = {
  readonly store: Store;
  readonly fetch: typeof fetch;
  readonly now: () => number;
  /** Shared by every session of a connector, keyed by tenant + connection id. */
  readonly inflight: Map<string, Promise<string>>;
  /** Refresh this long before expiry (Jane's tokens live 300 s). */
  readonly refreshAheadMs: number;
};

export type OAuthTokenTarget = {
  readonly tenant: string;
  readonly connectionId: string;
  readonly source: string;
  readonly tokenUrl: string;
  readonly clientId: string;
};

export type TokenResponse = {
  access_token?: unknown;
  refresh_token?: unknown;
  expires_in?: unknown;
};

/** How often, and how far apart, a refused refresh looks for a token another process rotated. */
const ROTATION_LOOKS = 3;
const ROTATION_LOOK_GAP_MS = 200;

export function createOAuthTokenKeeper(deps: OAuthTokenDeps, target: OAuthTokenTarget) {
  const key = `${target.tenant}\u0000${target.connectionId}`;
  let cached: { token: string; expiresAt: number } | undefined;

  const usable = (expiresAt: number) => expiresAt - deps.refreshAheadMs > deps.now();

  async function rotatedElsewhere(used: string): Promise<boolean> {
    for (let look = 0; look < ROTATION_LOOKS; look++) {
      const latest = await deps.store.connections.secrets(target.tenant, target.connectionId);
      if (latest.refreshToken && latest.refreshToken !== used) return true;
      await new Promise((resolve) => setTimeout(resolve, ROTATION_LOOK_GAP_MS));
    }
    return false;
  }

  async function refresh(rejectedToken: string | undefined): Promise<string> {
    for (let round = 0; round < 2; round++) {
      const connection = await deps.store.connections.get(target.tenant, target.connectionId);
      if (!connection) throw new SourceError('needs_reauth', `${target.source} connection no longer exists`);
      if (connectionState(connection) === 'needs_reauth')
        throw new SourceError('needs_reauth', `${target.source} connection needs re-authorization`);
      const secrets = await deps.store.connections.secrets(target.tenant, target.connectionId);
      const storedExpiry = Number(secrets.accessExpiresAt ?? 0);
      // Another session or process may have refreshed already.
      if (secrets.accessToken && secrets.accessToken !== rejectedToken && usable(storedExpiry)) {
        cached = { token: secrets.accessToken, expiresAt: storedExpiry };
        return secrets.accessToken;
      }
      if (!secrets.refreshToken) {
        await markNeedsReauth(
          deps.store,
          target.tenant,
          target.connectionId,
          'no_refresh_token',
          new Date(deps.now()),
        );
        throw new SourceError('needs_reauth', `${target.source} connection has no refresh token`);
      }
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: secrets.refreshToken,
        client_id: target.clientId,
        client_secret: secrets.clientSecret ?? '',
      });
      let res: Response;
      let body: TokenResponse | undefined;
      try {
        res = await deps.fetch(target.tokenUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: form,
          signal: AbortSignal.timeout(30_000),
        });
        body = (await res.json().catch(() => undefined)) as TokenResponse | undefined;
      } catch {
        throw new SourceError('unavailable', `${target.source} token endpoint unreachable`);
      }
      if (res.status === 400 || res.status === 401) {
        // Another process may have rotated the refresh token we used and be about to store it.
        if (round === 0 && (await rotatedElsewhere(secrets.refreshToken))) continue;
        await markNeedsReauth(
          deps.store,
          target.tenant,
          target.connectionId,
          'refresh_rejected',
          new Date(deps.now()),
        );
        throw new SourceError(
          'needs_reauth',
          `${target.source} refused the refresh token; reconnect needed`,
          {
            status: res.status,
          },
        );
      }
      if (res.status !== 200 || typeof body?.access_token !== 'string') {
        throw new SourceError('unavailable', `${target.source} token endpoint answered ${res.status}`, {
          status: res.status,
        });
      }
      const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : 300;
      const next = {
        ...secrets,
        accessToken: body.access_token,
        accessExpiresAt: String(deps.now() + expiresIn * 1000),
        refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : secrets.refreshToken,
      };
      await deps.store.connections.put(
        {
          tenant: connection.tenant,
          id: connection.id,
          source: connection.source,
          config: connection.config,
        },
        next,
      );
      cached = { token: body.access_token, expiresAt: Number(next.accessExpiresAt) };
      return body.access_token;
    }
    throw new SourceError(
      'needs_reauth',
      `${target.source} refresh token rotated concurrently; reconnect needed`,
    );
  }

  return {
    /** A bearer token; `fresh` after a 401 forces a refresh of the token that was refused. */
    async accessToken(fresh = false): Promise<string> {
      if (!fresh && cached && usable(cached.expiresAt)) return cached.token;
      if (!fresh && !cached) {
        const secrets = await deps.store.connections.secrets(target.tenant, target.connectionId);
        const expiresAt = Number(secrets.accessExpiresAt ?? 0);
        if (secrets.accessToken && usable(expiresAt)) {
          cached = { token: secrets.accessToken, expiresAt };
          return secrets.accessToken;
        }
      }
      const running = deps.inflight.get(key);
      if (running) return running;
      const rejected = fresh ? cached?.token : undefined;
      const promise = refresh(rejected).finally(() => deps.inflight.delete(key));
      deps.inflight.set(key, promise);
      return promise;
    },
  };
}

export type OAuthTokenKeeper = ReturnType<typeof createOAuthTokenKeeper>;
