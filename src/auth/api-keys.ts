import type { ApiKey, Store } from '../store/port.ts';
import { generateApiKeyToken, hashSecret, parseApiKeyToken, secretMatches } from './api-key-token.ts';
import { AuthError } from './auth-error.ts';
import { type Caller, SCOPES, type Scope } from './scopes.ts';

/** A hash no secret has, compared against for unknown ids so they take as long as known ones. */
const UNKNOWN_KEY_HASH = hashSecret('no key has this secret');

export type ApiKeyService = ReturnType<typeof createApiKeyService>;

/**
 * Creating, verifying and revoking API keys over the store's `apiKeys`. Every verification
 * reads the store (one primary-key lookup), so a revocation holds from the next request on.
 * The last-used time is written at most once per `touchEveryMs` per key, not per request.
 */
export function createApiKeyService(deps: {
  store: Pick<Store, 'apiKeys' | 'tenants'>;
  now?: () => number;
  touchEveryMs?: number;
}) {
  const now = deps.now ?? Date.now;
  const touchEveryMs = deps.touchEveryMs ?? 60_000;
  return {
    /** Makes a key for an existing tenant; the token is in the answer only, never stored. */
    async create(input: {
      tenant: string;
      scopes: readonly Scope[];
      label?: string;
    }): Promise<{ key: ApiKey; token: string }> {
      if (input.scopes.length === 0) throw new Error('a key needs at least one scope');
      const { id, secret, token } = generateApiKeyToken();
      const key = await deps.store.apiKeys.create({
        id,
        tenant: input.tenant,
        scopes: [...new Set(input.scopes)],
        label: input.label ?? '',
        secretHash: hashSecret(secret),
      });
      return { key, token };
    },

    /** The caller an `Authorization` header value stands for, or an AuthError saying why not. */
    async authenticate(authorization: string | null | undefined): Promise<Caller> {
      if (!authorization) {
        throw new AuthError('missing', 'an API key is required: send `Authorization: Bearer <key>`');
      }
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      const parsed = bearer ? parseApiKeyToken(bearer[1] as string) : undefined;
      if (!parsed) {
        throw new AuthError(
          'malformed',
          'the Authorization header must be `Bearer fgw_<id>_<secret>` (an API key of this gateway)',
        );
      }
      const stored = await deps.store.apiKeys.find(parsed.id);
      const matches = secretMatches(parsed.secret, stored?.secretHash ?? UNKNOWN_KEY_HASH);
      if (!stored || !matches) throw new AuthError('invalid', 'the API key is not valid');
      if (stored.revokedAt) throw new AuthError('revoked', `API key ${stored.id} has been revoked`);
      const at = now();
      if (!stored.lastUsedAt || Date.parse(stored.lastUsedAt) <= at - touchEveryMs) {
        await deps.store.apiKeys.touch(stored.id, new Date(at).toISOString());
      }
      return { tenant: stored.tenant, scopes: new Set(stored.scopes), keyId: stored.id };
    },

    list: (tenant?: string) => deps.store.apiKeys.list(tenant),
    revoke: (id: string) => deps.store.apiKeys.revoke(id),
  };
}

/** `read,write` → scopes, or an error naming the unknown ones and the allowed set. */
export function parseScopes(text: string): Scope[] {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = parts.filter((p) => !(SCOPES as readonly string[]).includes(p));
  if (parts.length === 0 || unknown.length > 0) {
    throw new Error(
      `${parts.length === 0 ? 'no scopes given' : `unknown scope(s) ${unknown.join(', ')}`}: choose from ${SCOPES.join(', ')}`,
    );
  }
  return parts as Scope[];
}

/** Throws a 403 AuthError unless the caller holds `scope`. */
export function requireScope(caller: Caller, scope: Scope): void {
  if (!caller.scopes.has(scope)) {
    throw new AuthError('forbidden', `this API key lacks the \`${scope}\` scope`);
  }
}
