import { randomBytes } from 'node:crypto';
import type { Clock } from '../common/clock.ts';
import { json, type Router, type SimRequest, type SimResponse } from '../common/http-server.ts';
import { consentPage, type IssuedToken, type OAuthStore } from '../common/oauth.ts';

/** The pre-registered API application the gateway's connector authenticates as. */
export type DrChronoClient = {
  clientId: string;
  clientSecret: string;
  name: string;
  redirectUris: string[];
  /** Also accept any http://127.0.0.1 or http://localhost redirect (ports change per run). */
  allowLoopbackRedirects: boolean;
};

/** Access tokens live 48 hours. */
export const ACCESS_TOKEN_SECONDS = 172_800;

/** How long a consent page may wait for its Approve/Deny (Django's session would outlive it). */
const PENDING_TTL_MS = 10 * 60_000;

/** An authorize request whose consent page was shown and not yet answered. */
type PendingRequest = { redirectUri: string; state: string; scope: string; expiresAt: number };

/**
 * `/o/authorize/` (consent page, then a redirect with `code` and `state`), `/o/token/`
 * (authorization_code and refresh_token grants, form-encoded client credentials) and
 * `/o/revoke_token/`, answering as django-oauth-toolkit does. As the vendor does, the consent
 * POST is bound to the page that was shown (a single-use `csrfmiddlewaretoken`, like Django's
 * CSRF token; the request's redirect URI, scope and state are taken from the server side), and
 * the code exchange requires the `redirect_uri` the code was issued for.
 */
export function addOAuthRoutes(
  router: Router,
  deps: { store: OAuthStore; client: DrChronoClient; knownScopes: readonly string[]; clock: Clock },
): void {
  const { store, client, knownScopes, clock } = deps;
  const pending = new Map<string, PendingRequest>();
  const redirectAllowed = (uri: string) =>
    client.redirectUris.includes(uri) ||
    (client.allowLoopbackRedirects && /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(uri));

  const redirect = (uri: string, params: Record<string, string>): SimResponse => {
    const target = new URL(uri);
    for (const [k, v] of Object.entries(params)) if (v !== '') target.searchParams.set(k, v);
    return { status: 302, headers: { location: target.toString() } };
  };

  /** Checks client and redirect first: errors there must not redirect anywhere. */
  const authorizeRequest = (
    p: Record<string, string | undefined>,
  ): { error: SimResponse } | { redirectUri: string; state: string; scope: string } => {
    if (p.client_id !== client.clientId) return { error: json(400, { error: 'invalid_client' }) };
    const redirectUri = p.redirect_uri ?? client.redirectUris[0] ?? '';
    if (!redirectUri || !redirectAllowed(redirectUri))
      return {
        error: json(400, { error: 'invalid_request', error_description: 'Mismatching redirect URI.' }),
      };
    const state = p.state ?? '';
    if (p.response_type !== 'code')
      return { error: redirect(redirectUri, { error: 'unsupported_response_type', state }) };
    const requested = (p.scope ?? '').split(/[\s+]+/).filter(Boolean);
    if (requested.some((s) => !knownScopes.includes(s)))
      return { error: redirect(redirectUri, { error: 'invalid_scope', state }) };
    // Leaving out scope asks for all of them.
    const scope = (requested.length ? requested : [...knownScopes]).join(' ');
    return { redirectUri, state, scope };
  };

  router.add('GET', '/o/authorize/', (req) => {
    const checked = authorizeRequest(Object.fromEntries(req.url.searchParams));
    if ('error' in checked) return checked.error;
    const now = clock();
    for (const [id, p] of pending) if (p.expiresAt < now) pending.delete(id);
    const token = randomBytes(24).toString('base64url');
    pending.set(token, { ...checked, expiresAt: now + PENDING_TTL_MS });
    return {
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: consentPage({
        product: 'DrChrono',
        clientName: client.name,
        scopes: checked.scope.split(' '),
        action: '/o/authorize/',
        hidden: { csrfmiddlewaretoken: token },
      }),
    };
  });

  router.add('POST', '/o/authorize/', (req) => {
    const form = formOf(req);
    const token = form.csrfmiddlewaretoken ?? '';
    const request = pending.get(token);
    pending.delete(token); // single use, whatever the decision
    // No pending request: Django answers its CSRF failure page, and nothing redirects anywhere.
    if (!request || request.expiresAt < clock()) return csrfFailure();
    if (form.decision !== 'approve')
      return redirect(request.redirectUri, { error: 'access_denied', state: request.state });
    const code = store.issueCode({
      clientId: client.clientId,
      redirectUri: request.redirectUri,
      scope: request.scope,
    });
    return redirect(request.redirectUri, { code, state: request.state });
  });

  router.add('POST', '/o/token/', (req) => {
    const form = formOf(req);
    const creds = clientCredentials(req, form);
    if (creds.id !== client.clientId || creds.secret !== client.clientSecret)
      return json(401, { error: 'invalid_client' });
    if (form.grant_type === 'authorization_code') {
      const code = form.code ? store.redeemCode(form.code, client.clientId) : undefined;
      if (!code) return json(400, { error: 'invalid_grant' });
      // oauthlib's MismatchingRedirectURIError: required, and exactly the authorize request's.
      if (form.redirect_uri !== code.redirectUri)
        return json(400, { error: 'invalid_request', error_description: 'Mismatching redirect URI.' });
      return tokenResponse(store.issueToken(client.clientId, code.scope));
    }
    if (form.grant_type === 'refresh_token') {
      const token = form.refresh_token ? store.refresh(form.refresh_token, client.clientId) : undefined;
      return token ? tokenResponse(token) : json(400, { error: 'invalid_grant' });
    }
    return json(400, { error: 'unsupported_grant_type' });
  });

  router.add('POST', '/o/revoke_token/', (req) => {
    const form = formOf(req);
    const creds = clientCredentials(req, form);
    if (creds.id !== client.clientId || creds.secret !== client.clientSecret)
      return json(401, { error: 'invalid_client' });
    if (form.token) store.revoke(form.token);
    // RFC 7009: unknown tokens are not an error.
    return { status: 200 };
  });
}

function csrfFailure(): SimResponse {
  return {
    status: 403,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>403 Forbidden</title></head><body><h1>Forbidden (403)</h1><p>CSRF verification failed. Request aborted.</p></body></html>',
  };
}

function tokenResponse(t: IssuedToken): SimResponse {
  return json(
    200,
    {
      access_token: t.accessToken,
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_SECONDS,
      refresh_token: t.refreshToken,
      scope: t.scope,
    },
    { 'cache-control': 'no-store', pragma: 'no-cache' },
  );
}

function formOf(req: SimRequest): Record<string, string | undefined> {
  if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) return {};
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.body)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Client credentials in the form (what DrChrono documents) or HTTP Basic. */
function clientCredentials(
  req: SimRequest,
  form: Record<string, string | undefined>,
): { id?: string; secret?: string } {
  const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (basic?.[1]) {
    const [id, secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
    return { id: decodeURIComponent(id ?? ''), secret: decodeURIComponent(secret ?? '') };
  }
  return { id: form.client_id, secret: form.client_secret };
}
