import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from './clock.ts';

/**
 * In-memory OAuth2 state shared by the simulators that do the authorization-code flow
 * (Jane with PKCE, DrChrono without). Tokens are opaque random strings unless the simulator
 * wraps them (Jane signs JWTs around the same ids).
 */
export type AuthCode = {
  code: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  expiresAt: number;
};

export type IssuedToken = {
  accessToken: string;
  refreshToken: string;
  clientId: string;
  scope: string;
  accessExpiresAt: number;
  refreshExpiresAt: number;
};

export type OAuthStore = {
  issueCode(input: Omit<AuthCode, 'code' | 'expiresAt'>): string;
  /** Redeems a code once; undefined when unknown, expired, already used or for another client. */
  redeemCode(code: string, clientId: string): AuthCode | undefined;
  issueToken(clientId: string, scope: string): IssuedToken;
  /** Rotates a refresh token; undefined when unknown, expired or revoked. */
  refresh(refreshToken: string, clientId: string): IssuedToken | undefined;
  /** The token behind a bearer string, if valid now. */
  verifyAccess(accessToken: string): IssuedToken | undefined;
  revoke(token: string): void;
  /** Makes every current access token expired (fault injection, tests). */
  expireAllAccessTokens(): void;
};

export function createOAuthStore(opts: {
  clock: Clock;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  codeTtlSeconds?: number;
}): OAuthStore {
  const codes = new Map<string, AuthCode>();
  const byAccess = new Map<string, IssuedToken>();
  const byRefresh = new Map<string, IssuedToken>();
  const random = () => randomBytes(24).toString('base64url');

  const issueToken = (clientId: string, scope: string): IssuedToken => {
    const now = opts.clock();
    const token: IssuedToken = {
      accessToken: random(),
      refreshToken: random(),
      clientId,
      scope,
      accessExpiresAt: now + opts.accessTtlSeconds * 1000,
      refreshExpiresAt: now + opts.refreshTtlSeconds * 1000,
    };
    byAccess.set(token.accessToken, token);
    byRefresh.set(token.refreshToken, token);
    return token;
  };

  return {
    issueCode(input) {
      const code = random();
      codes.set(code, { ...input, code, expiresAt: opts.clock() + (opts.codeTtlSeconds ?? 60) * 1000 });
      return code;
    },
    redeemCode(code, clientId) {
      const found = codes.get(code);
      codes.delete(code);
      if (!found || found.clientId !== clientId || found.expiresAt < opts.clock()) return undefined;
      return found;
    },
    issueToken,
    refresh(refreshToken, clientId) {
      const found = byRefresh.get(refreshToken);
      if (!found || found.clientId !== clientId || found.refreshExpiresAt < opts.clock()) return undefined;
      byRefresh.delete(refreshToken);
      byAccess.delete(found.accessToken);
      return issueToken(clientId, found.scope);
    },
    verifyAccess(accessToken) {
      const found = byAccess.get(accessToken);
      if (!found || found.accessExpiresAt < opts.clock()) return undefined;
      return found;
    },
    revoke(token) {
      const t = byAccess.get(token) ?? byRefresh.get(token);
      if (!t) return;
      byAccess.delete(t.accessToken);
      byRefresh.delete(t.refreshToken);
    },
    expireAllAccessTokens() {
      for (const t of byAccess.values()) t.accessExpiresAt = 0;
    },
  };
}

/** RFC 7636 S256: base64url(sha256(verifier)). */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/**
 * A real HTML consent page: a form that POSTs back the hidden fields with an Approve or
 * Deny button (browser tests click Approve).
 */
export function consentPage(opts: {
  product: string;
  clientName: string;
  scopes: string[];
  action: string;
  hidden: Record<string, string>;
}): string {
  const hidden = Object.entries(opts.hidden)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('\n      ');
  const scopes = opts.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(opts.product)} — authorize</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}
button{font-size:1rem;padding:.5rem 1.25rem;margin-right:.5rem}</style></head>
<body>
  <h1>${escapeHtml(opts.product)}</h1>
  <p><strong>${escapeHtml(opts.clientName)}</strong> asks for access to:</p>
  <ul>${scopes}</ul>
  <form method="post" action="${escapeHtml(opts.action)}">
      ${hidden}
    <button type="submit" name="decision" value="approve" id="approve">Approve</button>
    <button type="submit" name="decision" value="deny" id="deny">Deny</button>
  </form>
</body></html>`;
}
