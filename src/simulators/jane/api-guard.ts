import type { FaultInjector } from '../common/faults.ts';
import { json, type Router, type SimRequest, type SimResponse } from '../common/http-server.ts';
import type { RateLimiter } from '../common/rate-limit.ts';
import type { TokenService, VerifiedToken } from './auth/tokens.ts';
import { API_VERSION } from './catalog.ts';
import type { Clinic } from './clinic.ts';
import { forbidden, rateLimited, unauthorized } from './errors.ts';

/** What an API handler gets once the request passed the clinic, throttle, token and scope checks. */
export type ApiContext = {
  req: SimRequest;
  clinic: Clinic;
  token: VerifiedToken;
  /** `/api/2026-01-01` or `/{clinic}/api/2026-01-01`: where relative links point. */
  apiPrefix: string;
};

export type ApiHandler = (ctx: ApiContext) => SimResponse | Promise<SimResponse>;

/** Jane's throttles: per endpoint per clinic [V], and overall per clinic [S]. */
export type ThrottleRule = { scope: 'endpoint' | 'clinic'; limiter: RateLimiter; match: string };

export type ApiGuardDeps = {
  router: Router;
  /** The clinic a path prefix names; undefined slug = the default clinic. */
  clinicFor(slug: string | undefined): Clinic | undefined;
  tokens: TokenService;
  faults: FaultInjector;
  /** Empty when rate limits are off. */
  throttles: readonly ThrottleRule[];
};

const TOKEN_MESSAGES = {
  expired: 'The access token has expired',
  invalid: 'The access token is invalid',
  audience: 'The access token was not issued for this clinic',
} as const;

/**
 * Registers `path` (relative to `/api/{version}`) both at the root (default clinic) and under
 * `/:clinic` (any clinic), behind the JDP checks, in the order Jane's edge applies them.
 */
export function createApiRoutes(deps: ApiGuardDeps) {
  const route = (method: string, path: string, scope: string, handler: ApiHandler) => {
    const guarded = async (req: SimRequest): Promise<SimResponse> => {
      const slug = req.params.clinic;
      const clinic = deps.clinicFor(slug);
      if (!clinic) return json(404, { error: 'Clinic not found' });
      const clinicPath = slug ? `/${slug}` : '';

      for (const rule of deps.throttles) {
        const key = rule.scope === 'endpoint' ? `${clinic.slug} ${method} ${path}` : clinic.slug;
        const taken = rule.limiter.take(key);
        if (!taken.allowed) return rateLimited(Math.ceil(taken.retryAfterMs / 1000), rule.match);
      }

      const header = req.headers.authorization ?? '';
      if (!header.startsWith('Bearer ')) return unauthorized('Missing bearer token');
      const verified = await deps.tokens.verify(header.slice(7).trim(), `${req.baseUrl}${clinicPath}`);
      if (!verified.ok) return unauthorized(TOKEN_MESSAGES[verified.reason]);
      // Injected expiry answers exactly like a real one.
      if (deps.faults.roll('expiredToken')) return unauthorized(TOKEN_MESSAGES.expired);
      if (!verified.token.scopes.has(scope)) return forbidden(scope);

      return handler({ req, clinic, token: verified.token, apiPrefix: `${clinicPath}/api/${API_VERSION}` });
    };
    deps.router.add(method, `/api/${API_VERSION}${path}`, guarded);
    deps.router.add(method, `/:clinic/api/${API_VERSION}${path}`, guarded);
  };
  return { route };
}
