import { randomBytes, randomUUID } from 'node:crypto';
import { decodeJwt, exportJWK, generateKeyPair, type JWK, jwtVerify, SignJWT } from 'jose';
import type { Clock } from '../../common/clock.ts';
import type { IssuedToken, OAuthStore } from '../../common/oauth.ts';

/**
 * Jane access tokens are RS256 JWTs from Keycloak whose audience is the clinic URL. The JWT wraps
 * the common OAuth store's opaque access id (`jti`), so revocation and forced expiry work through
 * the store; refresh tokens stay opaque.
 */
export type Session = { resource: string; userId: string; issuer: string; sessionState: string };

export type TokenResponse = {
  access_token: string;
  expires_in: number;
  refresh_expires_in: number;
  refresh_token: string;
  token_type: 'Bearer';
  'not-before-policy': 0;
  session_state: string;
  scope: string;
};

export type VerifiedToken = { clientId: string; userId: string; scopes: Set<string>; audience: string };
export type Verification =
  | { ok: true; token: VerifiedToken }
  | { ok: false; reason: 'expired' | 'invalid' | 'audience' };

export type TokenService = {
  issue(clientId: string, scope: string, session: Omit<Session, 'sessionState'>): Promise<TokenResponse>;
  /** Rotates a refresh token; `expired` and `invalid` map to Keycloak's two invalid_grant texts. */
  refresh(refreshToken: string, clientId: string): Promise<TokenResponse | 'expired' | 'invalid'>;
  verify(jwt: string, expectedAudience: string): Promise<Verification>;
  revoke(token: string): void;
  jwks(): { keys: JWK[] };
};

export async function createTokenService(opts: {
  clock: Clock;
  oauth: OAuthStore;
  accessSeconds: number;
  refreshSeconds: number;
}): Promise<TokenService> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomBytes(8).toString('hex');
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const sessions = new Map<string, Session & { clientId: string; refreshExpiresAt: number }>();

  const respond = async (issued: IssuedToken, session: Session): Promise<TokenResponse> => {
    sessions.set(issued.refreshToken, {
      ...session,
      clientId: issued.clientId,
      refreshExpiresAt: issued.refreshExpiresAt,
    });
    const iat = Math.floor(opts.clock() / 1000);
    const accessToken = await new SignJWT({
      typ: 'Bearer',
      azp: issued.clientId,
      scope: issued.scope,
      sid: session.sessionState,
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
      .setIssuer(session.issuer)
      .setSubject(session.userId)
      .setAudience(session.resource)
      .setJti(issued.accessToken)
      .setIssuedAt(iat)
      .setExpirationTime(Math.floor(issued.accessExpiresAt / 1000))
      .sign(privateKey);
    return {
      access_token: accessToken,
      expires_in: opts.accessSeconds,
      refresh_expires_in: opts.refreshSeconds,
      refresh_token: issued.refreshToken,
      token_type: 'Bearer',
      'not-before-policy': 0,
      session_state: session.sessionState,
      scope: issued.scope,
    };
  };

  return {
    issue(clientId, scope, session) {
      return respond(opts.oauth.issueToken(clientId, scope), { ...session, sessionState: randomUUID() });
    },
    async refresh(refreshToken, clientId) {
      const session = sessions.get(refreshToken);
      const issued = opts.oauth.refresh(refreshToken, clientId);
      if (!issued || !session) {
        if (session && session.clientId === clientId && session.refreshExpiresAt < opts.clock())
          return 'expired';
        return 'invalid';
      }
      sessions.delete(refreshToken);
      return respond(issued, session);
    },
    async verify(jwt, expectedAudience) {
      let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
      try {
        ({ payload } = await jwtVerify(jwt, publicKey, {
          algorithms: ['RS256'],
          currentDate: new Date(opts.clock()),
        }));
      } catch (err) {
        return {
          ok: false,
          reason: (err as { code?: string }).code === 'ERR_JWT_EXPIRED' ? 'expired' : 'invalid',
        };
      }
      if (payload.aud !== expectedAudience) return { ok: false, reason: 'audience' };
      // The store knows about revocation and forced expiry (fault injection, tests).
      if (typeof payload.jti !== 'string' || !opts.oauth.verifyAccess(payload.jti))
        return { ok: false, reason: 'expired' };
      return {
        ok: true,
        token: {
          clientId: String(payload.azp ?? ''),
          userId: String(payload.sub ?? ''),
          scopes: new Set(String(payload.scope ?? '').split(' ')),
          audience: expectedAudience,
        },
      };
    },
    revoke(token) {
      let id = token;
      try {
        id = String(decodeJwt(token).jti ?? token);
      } catch {
        // not a JWT: a refresh token
      }
      opts.oauth.revoke(id);
      sessions.delete(token);
    },
    jwks: () => ({ keys: [publicJwk] }),
  };
}
