import type { FaultInjector } from '../common/faults.ts';
import type { SimRequest, SimResponse } from '../common/http-server.ts';
import type { IssuedToken, OAuthStore } from '../common/oauth.ts';
import type { Endpoint } from './catalog.ts';
import { drchronoErrors } from './errors.ts';
import type { DrChronoLimits } from './rate-limits.ts';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The gate every `/api` request passes: a valid bearer token (or an injected expiry → 401),
 * the app's rate budget (429 without Retry-After), then the endpoint's OAuth scopes (403).
 */
export type AccessGate = (
  req: SimRequest,
  endpoint: Endpoint | undefined,
  /** Defaults to the method's nature; bulk `*_list` POSTs start a read job. */
  intent?: 'read' | 'write',
) => { token: IssuedToken } | SimResponse;

export function createAccessGate(deps: {
  oauth: OAuthStore;
  faults: FaultInjector;
  limits: DrChronoLimits | undefined;
}): AccessGate {
  return (req, endpoint, intent) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const token = bearer ? deps.oauth.verifyAccess(bearer) : undefined;
    if (!token) return drchronoErrors.notAuthenticated();
    if (deps.faults.roll('expiredToken')) {
      // Expire just this access token (the refresh token stays good), as a real expiry would.
      token.accessExpiresAt = 0;
      return drchronoErrors.notAuthenticated();
    }
    if (deps.limits) {
      const taken = deps.limits.take(token.clientId);
      if (!taken.allowed) return drchronoErrors.throttled(taken.waitSeconds);
    }
    const safe = intent ? intent === 'read' : SAFE.has(req.method);
    if (endpoint && !scopeAllows(endpoint.scopes, token.scope.split(' '), safe)) {
      return drchronoErrors.forbidden();
    }
    return { token };
  };
}

/**
 * Reads need any scope the operation declares (write scopes include read); writes need one
 * of its `:write` scopes. Operations declaring no scope only need a valid token.
 */
export function scopeAllows(declared: readonly string[], granted: readonly string[], safe: boolean): boolean {
  if (declared.length === 0) return true;
  const usable = safe ? declared : declared.filter((s) => s.endsWith(':write'));
  return usable.some((s) => granted.includes(s));
}
