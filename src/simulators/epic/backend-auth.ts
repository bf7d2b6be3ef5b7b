import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import type { Clock } from '../common/clock.ts';
import type { FaultInjector } from '../common/faults.ts';
import type { SimRequest, SimResponse } from '../common/http-server.ts';
import { createOAuthStore } from '../common/oauth.ts';
import { epicError } from './epic-outcome.ts';

export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const TOKEN_PATH = '/oauth2/token';
/** The algorithm Epic requires for backend-services client assertions. */
export const ASSERTION_ALGORITHM = 'RS384';

export type BackendClientRegistration = {
  clientId: string;
  /** Where the client publishes its public keys; fetched over HTTP at token time. */
  jwksUrl: string;
  /** System scopes granted by the app registration (Epic grants them there, not per request). */
  scopes?: string[];
};

export type BackendAuthOptions = {
  clock: Clock;
  faults: FaultInjector;
  clients: BackendClientRegistration[];
  /** Epic backend access tokens live one hour. */
  accessTokenTtlSeconds: number;
  /** Epic rejects assertions whose `exp` is more than five minutes away. */
  maxAssertionLifetimeSeconds: number;
  defaultScopes: string[];
};

export type BackendAuth = {
  /** POST /oauth2/token */
  token(req: SimRequest): Promise<SimResponse>;
  /** undefined when the request carries a valid bearer token, else the 401 to send. */
  authenticate(req: SimRequest): SimResponse | undefined;
  register(client: BackendClientRegistration): void;
  /** Removes a client's registration (an Epic admin revoking the app): its assertions are refused. */
  unregister(clientId: string): boolean;
  /** Expires every access token now (tests, demos). */
  expireAllTokens(): void;
};

const oauthError = (status: number, error: string, description: string): SimResponse => ({
  status,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: { error, error_description: description },
});

/**
 * SMART Backend Services as Epic runs it: `client_credentials` with a signed JWT client
 * assertion, verified against the client's JWKS URL, with one-time `jti`s.
 */
export function createBackendAuth(opts: BackendAuthOptions): BackendAuth {
  const clients = new Map<string, BackendClientRegistration>();
  const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  const usedJti = new Map<string, number>();
  const tokens = createOAuthStore({
    clock: opts.clock,
    accessTtlSeconds: opts.accessTokenTtlSeconds,
    refreshTtlSeconds: opts.accessTokenTtlSeconds,
  });

  const register = (client: BackendClientRegistration) => {
    clients.set(client.clientId, client);
    keySets.set(client.clientId, createRemoteJWKSet(new URL(client.jwksUrl), { timeoutDuration: 5000 }));
  };
  for (const c of opts.clients) register(c);

  const forgetExpiredJti = (nowSeconds: number) => {
    for (const [key, exp] of usedJti) if (exp < nowSeconds) usedJti.delete(key);
  };

  return {
    register,
    unregister: (clientId) => {
      keySets.delete(clientId);
      return clients.delete(clientId);
    },
    expireAllTokens: () => tokens.expireAllAccessTokens(),
    async token(req) {
      const form = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, string>;
      if (typeof req.body !== 'object' || req.body === null)
        return oauthError(
          400,
          'invalid_request',
          'The token request must be application/x-www-form-urlencoded',
        );
      if (form.grant_type !== 'client_credentials')
        return oauthError(
          400,
          'unsupported_grant_type',
          'Only grant_type=client_credentials is supported here',
        );
      if (form.client_assertion_type !== JWT_BEARER_ASSERTION_TYPE)
        return oauthError(
          400,
          'invalid_request',
          `client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE}`,
        );
      const assertion = form.client_assertion;
      if (!assertion) return oauthError(400, 'invalid_request', 'client_assertion is required');

      let header: ReturnType<typeof decodeProtectedHeader>;
      let unverified: ReturnType<typeof decodeJwt>;
      try {
        header = decodeProtectedHeader(assertion);
        unverified = decodeJwt(assertion);
      } catch {
        return oauthError(400, 'invalid_client', 'client_assertion is not a JWT');
      }
      if (header.alg !== ASSERTION_ALGORITHM)
        return oauthError(
          400,
          'invalid_client',
          `client_assertion must be signed with ${ASSERTION_ALGORITHM}`,
        );
      const clientId = typeof unverified.iss === 'string' ? unverified.iss : '';
      const client = clients.get(clientId);
      const keySet = keySets.get(clientId);
      if (!client || !keySet) return oauthError(400, 'invalid_client', 'Unknown client (iss)');
      if (form.client_id !== undefined && form.client_id !== clientId)
        return oauthError(400, 'invalid_client', 'client_id does not match the assertion issuer');
      if (unverified.sub !== clientId)
        return oauthError(400, 'invalid_client', 'sub must equal iss (the client_id)');

      const tokenUrl = `${req.baseUrl}${TOKEN_PATH}`;
      const now = opts.clock();
      const nowSeconds = Math.floor(now / 1000);
      try {
        await jwtVerify(assertion, keySet, {
          algorithms: [ASSERTION_ALGORITHM],
          issuer: clientId,
          subject: clientId,
          audience: tokenUrl,
          currentDate: new Date(now),
          requiredClaims: ['exp', 'jti'],
        });
      } catch (err) {
        return oauthError(400, 'invalid_client', assertionFailure(err, tokenUrl));
      }
      const exp = Number(unverified.exp);
      if (exp > nowSeconds + opts.maxAssertionLifetimeSeconds)
        return oauthError(
          400,
          'invalid_client',
          `exp must be no more than ${opts.maxAssertionLifetimeSeconds} seconds in the future`,
        );
      forgetExpiredJti(nowSeconds);
      const jtiKey = `${clientId}\u0000${String(unverified.jti)}`;
      if (usedJti.has(jtiKey)) return oauthError(400, 'invalid_client', 'jti has already been used');
      usedJti.set(jtiKey, exp);

      const scope = (client.scopes ?? opts.defaultScopes).join(' ');
      const issued = tokens.issueToken(clientId, scope);
      return {
        status: 200,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache' },
        body: {
          access_token: issued.accessToken,
          token_type: 'Bearer',
          expires_in: opts.accessTokenTtlSeconds,
          scope,
        },
      };
    },
    authenticate(req) {
      const header = req.headers.authorization ?? '';
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match?.[1])
        return epicError('auth-missing', 'A bearer access token is required', {
          'www-authenticate': 'Bearer realm="Epic FHIR simulator"',
        });
      if (opts.faults.roll('expiredToken') || !tokens.verifyAccess(match[1]))
        return epicError('auth-expired', 'The access token is expired or invalid', {
          'www-authenticate':
            'Bearer realm="Epic FHIR simulator", error="invalid_token", error_description="The access token provided is expired, revoked, malformed, or invalid for other reasons."',
        });
      return undefined;
    },
  };
}

/** A client-facing reason that names the failed check without echoing token contents. */
function assertionFailure(err: unknown, tokenUrl: string): string {
  if (err instanceof joseErrors.JWTExpired) return 'client_assertion has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return `aud must be the token endpoint URL (${tokenUrl})`;
    return `client_assertion claim check failed: ${err.claim}`;
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'No key in the client JWKS matches the assertion';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed)
    return 'client_assertion signature is invalid';
  if (err instanceof joseErrors.JOSEError) return `client_assertion could not be verified (${err.code})`;
  return 'client_assertion could not be verified';
}
