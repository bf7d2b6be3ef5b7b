import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../common/clock.ts';
import { json, type Router, type SimRequest, type SimResponse } from '../../common/http-server.ts';
import { consentPage, type OAuthStore, pkceChallenge } from '../../common/oauth.ts';
import { KNOWN_SCOPES } from '../catalog.ts';
import type { Clinic } from '../clinic.ts';
import type { JaneOAuthClient } from '../options.ts';
import type { TokenService } from './tokens.ts';

/**
 * Jane's identity provider is Keycloak: `/realms/{realm}/protocol/openid-connect/{auth,token,
 * revoke,certs}`. Authorization code with PKCE S256 is required; refusals use Keycloak's error
 * codes and texts (redirect errors for bad authorize requests once the redirect URI is trusted,
 * `invalid_client` 401 and `invalid_grant` 400 at the token endpoint).
 */
export type KeycloakDeps = {
  router: Router;
  realms: readonly string[];
  clients: readonly JaneOAuthClient[];
  oauth: OAuthStore;
  tokens: TokenService;
  clock: Clock;
  /** The clinic a `resource` URL names, if any (the JWT audience). */
  clinicForResource(resource: string, baseUrl: string): Clinic | undefined;
  /** The clinic URL used when the authorize request names no resource. */
  defaultResource(baseUrl: string): string;
};

type PendingRequest = {
  client: JaneOAuthClient;
  redirectUri: string;
  scope: string;
  state: string | undefined;
  codeChallenge: string;
  resource: string;
  clinic: Clinic;
  issuer: string;
  expiresAt: number;
};

const PENDING_TTL_MS = 10 * 60_000;
const VERIFIER_PATTERN = /^[A-Za-z0-9\-._~]{43,128}$/;

export const keycloakPaths = (realm: string) => {
  const base = `/realms/${realm}/protocol/openid-connect`;
  return {
    issuer: `/realms/${realm}`,
    auth: `${base}/auth`,
    token: `${base}/token`,
    revoke: `${base}/revoke`,
    certs: `${base}/certs`,
  };
};

export function addKeycloakRoutes(deps: KeycloakDeps): void {
  const pending = new Map<string, PendingRequest>();
  const codeSessions = new Map<string, { resource: string; userId: string; issuer: string }>();
  const realmOf = (req: SimRequest) =>
    deps.realms.includes(req.params.realm ?? '') ? req.params.realm : undefined;
  const noRealm = () => json(404, { error: 'Realm does not exist' });
  const base = '/realms/:realm/protocol/openid-connect';

  deps.router
    .add('GET', '/realms/:realm/.well-known/openid-configuration', (req) => {
      const realm = realmOf(req);
      if (!realm) return noRealm();
      const p = keycloakPaths(realm);
      return json(200, {
        issuer: `${req.baseUrl}${p.issuer}`,
        authorization_endpoint: `${req.baseUrl}${p.auth}`,
        token_endpoint: `${req.baseUrl}${p.token}`,
        revocation_endpoint: `${req.baseUrl}${p.revoke}`,
        jwks_uri: `${req.baseUrl}${p.certs}`,
        grant_types_supported: ['authorization_code', 'refresh_token'],
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        scopes_supported: KNOWN_SCOPES,
      });
    })
    .add('GET', `${base}/certs`, (req) => (realmOf(req) ? json(200, deps.tokens.jwks()) : noRealm()))
    .add('GET', `${base}/auth`, (req) => authorize(req, Object.fromEntries(req.url.searchParams)))
    .add('POST', `${base}/auth`, (req) => decide(req))
    .add('POST', `${base}/token`, (req) => token(req))
    .add('POST', `${base}/revoke`, (req) => revoke(req));

  function authorize(req: SimRequest, q: Record<string, string>): SimResponse {
    const realm = realmOf(req);
    if (!realm) return noRealm();
    // Until client and redirect URI are trusted, Keycloak shows an error page instead of redirecting.
    const client = deps.clients.find((c) => c.clientId === q.client_id);
    if (!client) return errorPage(400, 'Client not found.');
    const redirectUri = q.redirect_uri ?? '';
    if (!redirectUri || !redirectAllowed(client, redirectUri))
      return errorPage(400, 'Invalid parameter: redirect_uri');
    const fail = (error: string, description: string) =>
      redirect(redirectUri, { error, error_description: description, state: q.state });

    if (q.response_type !== 'code')
      return fail(
        'unsupported_response_type',
        'Client is not allowed to initiate browser login with given response_type.',
      );
    if (!q.code_challenge_method) return fail('invalid_request', 'Missing parameter: code_challenge_method');
    if (q.code_challenge_method !== 'S256')
      return fail('invalid_request', 'Invalid parameter: code_challenge_method');
    if (!q.code_challenge || !/^[A-Za-z0-9\-._~]{43,128}$/.test(q.code_challenge)) {
      return fail('invalid_request', 'Invalid parameter: code_challenge');
    }
    const allowedScopes = new Set<string>(client.scopes ?? KNOWN_SCOPES);
    const requested = (q.scope ?? '').split(/\s+/).filter(Boolean);
    const unknown = requested.filter((s) => !allowedScopes.has(s));
    if (unknown.length) return fail('invalid_scope', `Invalid scopes: ${unknown.join(' ')}`);
    const scope = (requested.length ? requested : [...allowedScopes]).join(' ');
    const resource = (q.resource ?? deps.defaultResource(req.baseUrl)).replace(/\/+$/, '');
    const clinic = deps.clinicForResource(resource, req.baseUrl);
    if (!clinic) return fail('invalid_target', 'Invalid resource: no clinic at that URL');

    const requestId = randomBytes(18).toString('base64url');
    pending.set(requestId, {
      client,
      redirectUri,
      scope,
      state: q.state,
      codeChallenge: q.code_challenge,
      resource,
      clinic,
      issuer: `${req.baseUrl}${keycloakPaths(realm).issuer}`,
      expiresAt: deps.clock() + PENDING_TTL_MS,
    });
    const html = consentPage({
      product: `Jane — ${String(clinic.company.name ?? clinic.slug)}`,
      clientName: client.name,
      scopes: scope.split(' '),
      action: keycloakPaths(realm).auth,
      hidden: { request_id: requestId },
    });
    return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html };
  }

  function decide(req: SimRequest): SimResponse {
    if (!realmOf(req)) return noRealm();
    const form = formOf(req);
    const request = pending.get(form.request_id ?? '');
    pending.delete(form.request_id ?? '');
    if (!request || request.expiresAt < deps.clock())
      return errorPage(400, 'Your login attempt timed out. Login will start from the beginning.');
    if (form.decision !== 'approve') {
      return redirect(request.redirectUri, {
        error: 'access_denied',
        error_description: 'User denied consent',
        state: request.state,
      });
    }
    const code = deps.oauth.issueCode({
      clientId: request.client.clientId,
      redirectUri: request.redirectUri,
      scope: request.scope,
      codeChallenge: request.codeChallenge,
      codeChallengeMethod: 'S256',
    });
    codeSessions.set(code, {
      resource: request.resource,
      userId: request.clinic.owner.id,
      issuer: request.issuer,
    });
    return redirect(request.redirectUri, {
      state: request.state,
      session_state: randomBytes(16).toString('hex'),
      iss: request.issuer,
      code,
    });
  }

  async function token(req: SimRequest): Promise<SimResponse> {
    if (!realmOf(req)) return noRealm();
    const form = formOf(req);
    const client = authenticateClient(req, form);
    if (!client) return oauthError(401, 'invalid_client', 'Invalid client or Invalid client credentials');
    if (!form.grant_type) return oauthError(400, 'invalid_request', 'Missing form parameter: grant_type');

    if (form.grant_type === 'authorization_code') {
      const code = deps.oauth.redeemCode(form.code ?? '', client.clientId);
      const session = codeSessions.get(form.code ?? '');
      codeSessions.delete(form.code ?? '');
      if (!code || !session) return oauthError(400, 'invalid_grant', 'Code not valid');
      if (form.redirect_uri !== code.redirectUri)
        return oauthError(400, 'invalid_grant', 'Incorrect redirect_uri');
      if (!form.code_verifier) return oauthError(400, 'invalid_grant', 'PKCE code verifier not specified');
      if (!VERIFIER_PATTERN.test(form.code_verifier))
        return oauthError(400, 'invalid_grant', 'PKCE invalid code verifier');
      if (pkceChallenge(form.code_verifier) !== code.codeChallenge) {
        return oauthError(400, 'invalid_grant', 'PKCE verification failed: Code mismatch');
      }
      return json(200, await deps.tokens.issue(client.clientId, code.scope, session), noStore);
    }
    if (form.grant_type === 'refresh_token') {
      if (!form.refresh_token)
        return oauthError(400, 'invalid_request', 'Missing form parameter: refresh_token');
      const result = await deps.tokens.refresh(form.refresh_token, client.clientId);
      if (result === 'expired') return oauthError(400, 'invalid_grant', 'Token is not active');
      if (result === 'invalid') return oauthError(400, 'invalid_grant', 'Invalid refresh token');
      return json(200, result, noStore);
    }
    return oauthError(400, 'unsupported_grant_type', 'Unsupported grant_type');
  }

  function revoke(req: SimRequest): SimResponse {
    if (!realmOf(req)) return noRealm();
    const form = formOf(req);
    if (!authenticateClient(req, form))
      return oauthError(401, 'invalid_client', 'Invalid client or Invalid client credentials');
    if (!form.token) return oauthError(400, 'invalid_request', 'Token not provided');
    deps.tokens.revoke(form.token);
    return { status: 200 };
  }

  function authenticateClient(req: SimRequest, form: Record<string, string>): JaneOAuthClient | undefined {
    let id = form.client_id;
    let secret = form.client_secret;
    const header = req.headers.authorization;
    if (header?.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      id = decodeURIComponent(decoded.slice(0, colon));
      secret = decodeURIComponent(decoded.slice(colon + 1));
    }
    const client = deps.clients.find((c) => c.clientId === id);
    if (!client || secret === undefined) return undefined;
    const a = Buffer.from(secret);
    const b = Buffer.from(client.clientSecret);
    return a.length === b.length && timingSafeEqual(a, b) ? client : undefined;
  }
}

const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' };

function formOf(req: SimRequest): Record<string, string> {
  const body = req.body;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    return Object.fromEntries(Object.entries(body).filter(([, v]) => typeof v === 'string')) as Record<
      string,
      string
    >;
  }
  return {};
}

function redirectAllowed(client: JaneOAuthClient, uri: string): boolean {
  return client.redirectUris.some((allowed) =>
    allowed.endsWith('*') ? uri.startsWith(allowed.slice(0, -1)) : uri === allowed,
  );
}

function redirect(uri: string, params: Record<string, string | undefined>): SimResponse {
  const target = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) target.searchParams.set(k, v);
  return { status: 302, headers: { location: target.toString() } };
}

const oauthError = (status: number, error: string, description: string): SimResponse =>
  json(status, { error, error_description: description }, noStore);

function errorPage(status: number, message: string): SimResponse {
  return {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in to Jane</title></head><body><h1>We are sorry...</h1><p id="kc-error-message">${message}</p></body></html>`,
  };
}
