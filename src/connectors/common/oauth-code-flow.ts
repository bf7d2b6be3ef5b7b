import { createHash, randomBytes } from 'node:crypto';
import { SourceError } from '../connector.ts';

/** The browser half of OAuth authorization code (+ PKCE S256): URLs, verifier, code exchange. */
export type PkcePair = { verifier: string; challenge: string };

export function createPkcePair(): PkcePair {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function buildAuthorizeUrl(input: {
  authorizeUrl: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  state: string;
  codeChallenge?: string;
  /** Jane: the clinic URL the token is for. */
  resource?: string;
}): string {
  const url = new URL(input.authorizeUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', input.clientId);
  url.searchParams.set('redirect_uri', input.redirectUri);
  url.searchParams.set('scope', input.scope);
  url.searchParams.set('state', input.state);
  if (input.codeChallenge) {
    url.searchParams.set('code_challenge', input.codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  if (input.resource) {
    url.searchParams.set('resource', input.resource);
    url.searchParams.set('prompt', 'consent');
  }
  return url.toString();
}

export type OAuthTokens = { accessToken: string; refreshToken: string | undefined; expiresInSeconds: number };

/** Redeems an authorization code; `redirect_uri` always sent (DrChrono and Jane require it to match). */
export async function exchangeAuthorizationCode(
  fetchFn: typeof fetch,
  input: {
    source: string;
    tokenUrl: string;
    clientId: string;
    clientSecret: string;
    code: string;
    redirectUri: string;
    codeVerifier?: string;
  },
): Promise<OAuthTokens> {
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code: input.code,
    redirect_uri: input.redirectUri,
    client_id: input.clientId,
    client_secret: input.clientSecret,
  });
  if (input.codeVerifier) form.set('code_verifier', input.codeVerifier);
  let res: Response;
  let body:
    | { access_token?: unknown; refresh_token?: unknown; expires_in?: unknown; error?: unknown }
    | undefined;
  try {
    res = await fetchFn(input.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form,
      signal: AbortSignal.timeout(30_000),
    });
    body = (await res.json().catch(() => undefined)) as typeof body;
  } catch {
    throw new SourceError('unavailable', `${input.source} token endpoint unreachable`);
  }
  if (res.status !== 200 || typeof body?.access_token !== 'string') {
    const code =
      typeof body?.error === 'string' && /^[a-z_]{1,40}$/.test(body.error) ? body.error : String(res.status);
    throw new SourceError('rejected', `${input.source} refused the authorization code (${code})`, {
      status: res.status,
    });
  }
  return {
    accessToken: body.access_token,
    refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : undefined,
    expiresInSeconds: typeof body.expires_in === 'number' ? body.expires_in : 300,
  };
}
