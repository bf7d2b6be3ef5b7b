import { randomBytes } from 'node:crypto';
import { pkceChallenge } from '../../src/simulators/common/oauth.ts';
import type { RunningJaneSimulator } from '../../src/simulators/jane/index.ts';

/** Test helpers for the Jane simulator: the browser part of the OAuth dance, done with fetch. */
export const REDIRECT_URI = 'http://127.0.0.1:9/callback';

export type AuthorizeParams = Record<string, string | undefined>;

export function authorizeUrl(sim: RunningJaneSimulator, params: AuthorizeParams): string {
  const url = new URL(sim.oauth.authorizeUrl);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

/** GET the consent page and pull out the pending request id. */
export async function openConsent(sim: RunningJaneSimulator, params: AuthorizeParams) {
  const res = await fetch(authorizeUrl(sim, params), { redirect: 'manual' });
  const html = await res.text();
  const requestId = /name="request_id" value="([^"]+)"/.exec(html)?.[1];
  return { res, html, requestId };
}

/** Submits the consent form like a browser click on Approve/Deny; returns the redirect Location. */
export async function decide(sim: RunningJaneSimulator, requestId: string, decision: 'approve' | 'deny') {
  const res = await fetch(sim.oauth.authorizeUrl, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ request_id: requestId, decision }),
  });
  return { res, location: res.headers.get('location') ?? '' };
}

export function tokenRequest(
  sim: RunningJaneSimulator,
  form: Record<string, string>,
  basic?: [string, string],
) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) headers.authorization = `Basic ${Buffer.from(`${basic[0]}:${basic[1]}`).toString('base64')}`;
  return fetch(sim.oauth.tokenUrl, { method: 'POST', headers, body: new URLSearchParams(form) });
}

export type TokenSet = {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  refresh_expires_in: number;
  scope: string;
};

/** The whole authorization-code + PKCE flow for `resource` (default: the root clinic). */
export async function connect(
  sim: RunningJaneSimulator,
  opts: { resource?: string; scope?: string } = {},
): Promise<TokenSet & { verifier: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const { requestId } = await openConsent(sim, {
    response_type: 'code',
    client_id: sim.oauth.clientId,
    redirect_uri: REDIRECT_URI,
    scope: opts.scope,
    state: 'xyz',
    code_challenge: pkceChallenge(verifier),
    code_challenge_method: 'S256',
    resource: opts.resource ?? sim.rootClinic.url,
    prompt: 'consent',
  });
  if (!requestId) throw new Error('consent page has no request id');
  const { location } = await decide(sim, requestId, 'approve');
  const code = new URL(location).searchParams.get('code');
  if (!code) throw new Error(`no code in redirect ${location}`);
  const res = await tokenRequest(sim, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: verifier,
    client_id: sim.oauth.clientId,
    client_secret: sim.oauth.clientSecret,
  });
  if (res.status !== 200) throw new Error(`token exchange failed: ${res.status} ${await res.text()}`);
  return { ...((await res.json()) as TokenSet), verifier };
}

/** GET/POST against a clinic's API with a bearer token. */
export function api(
  baseUrl: string,
  token: string,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...init.headers };
  let body: string | undefined;
  if (init.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(init.body);
  }
  return fetch(`${baseUrl}${path}`, {
    method: (init.method ?? 'GET').toUpperCase(),
    headers,
    ...(body ? { body } : {}),
  });
}
