import { describe, expect, it } from 'vitest';
import { createSecretBox } from '../store/secret-box.ts';
import { openSqliteStore } from '../store/sqlite/open-sqlite-store.ts';
import { parseApiKeyToken } from './api-key-token.ts';
import { createApiKeyService, parseScopes, requireScope } from './api-keys.ts';
import { AuthError } from './auth-error.ts';

async function setup(now = () => Date.parse('2030-01-01T00:00:00Z')) {
  const store = openSqliteStore(':memory:', {
    maxResourceBytes: 1 << 20,
    secretBox: createSecretBox(Buffer.alloc(32, 1)),
  });
  await store.tenants.ensure('clinic-a');
  await store.tenants.ensure('clinic-b');
  return { store, keys: createApiKeyService({ store, now, touchEveryMs: 60_000 }) };
}

const failure = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AuthError);
  return err as AuthError;
};

describe('API keys', () => {
  it('creates fgw_<id>_<secret>, stores only a hash, and answers the caller for it', async () => {
    const { store, keys } = await setup();
    const { key, token } = await keys.create({ tenant: 'clinic-a', scopes: ['read', 'write'], label: 'etl' });
    const parsed = parseApiKeyToken(token);
    expect(parsed?.id).toBe(key.id);
    const stored = await store.apiKeys.find(key.id);
    expect(stored?.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored?.secretHash).not.toContain(parsed?.secret);
    const caller = await keys.authenticate(`Bearer ${token}`);
    expect(caller).toEqual({ tenant: 'clinic-a', scopes: new Set(['read', 'write']), keyId: key.id });
    expect(await keys.authenticate(`bearer   ${token}  `)).toEqual(caller);
  });

  it('answers missing, malformed, wrong and unknown keys with 401 and a message that never echoes the key', async () => {
    const { keys } = await setup();
    const { token } = await keys.create({ tenant: 'clinic-a', scopes: ['read'] });
    expect((await failure(keys.authenticate(undefined))).failure).toBe('missing');
    expect((await failure(keys.authenticate(''))).failure).toBe('missing');
    for (const header of [token, `Basic ${token}`, 'Bearer fgw_nothex', `Bearer ${token}x`, 'Bearer a b']) {
      const err = await failure(keys.authenticate(header));
      expect(err.failure).toBe('malformed');
      expect(err.status).toBe(401);
      expect(err.message).not.toContain(token.slice(4));
    }
    const wrongSecret = `${token.slice(0, 21)}${'A'.repeat(43)}`;
    const unknownId = `fgw_0123456789abcdef_${token.slice(21)}`;
    for (const header of [`Bearer ${wrongSecret}`, `Bearer ${unknownId}`]) {
      const err = await failure(keys.authenticate(header));
      expect(err.failure).toBe('invalid');
      expect(err.message).toBe('the API key is not valid');
    }
  });

  it('refuses a revoked key from the very next request', async () => {
    const { keys } = await setup();
    const { key, token } = await keys.create({ tenant: 'clinic-a', scopes: ['read'] });
    await keys.authenticate(`Bearer ${token}`);
    expect(await keys.revoke(key.id)).toBe(true);
    const err = await failure(keys.authenticate(`Bearer ${token}`));
    expect(err.failure).toBe('revoked');
    expect(err.message).toContain(key.id);
  });

  it('writes the last-used time at most once a minute per key', async () => {
    let at = Date.parse('2030-01-01T00:00:00Z');
    const { store, keys } = await setup(() => at);
    const { key, token } = await keys.create({ tenant: 'clinic-b', scopes: ['read'] });
    await keys.authenticate(`Bearer ${token}`);
    expect((await store.apiKeys.find(key.id))?.lastUsedAt).toBe('2030-01-01T00:00:00.000Z');
    at += 59_000;
    await keys.authenticate(`Bearer ${token}`);
    expect((await store.apiKeys.find(key.id))?.lastUsedAt).toBe('2030-01-01T00:00:00.000Z');
    at += 1_000;
    await keys.authenticate(`Bearer ${token}`);
    expect((await store.apiKeys.find(key.id))?.lastUsedAt).toBe('2030-01-01T00:01:00.000Z');
  });

  it('parses scope lists and rejects unknown or empty ones, naming the allowed set', () => {
    expect(parseScopes('read, write,admin')).toEqual(['read', 'write', 'admin']);
    expect(() => parseScopes('read,root')).toThrow(
      'unknown scope(s) root: choose from read, subscribe, write, admin',
    );
    expect(() => parseScopes(' , ')).toThrow('no scopes given');
  });

  it('requireScope lets a held scope through and answers 403 for a missing one', () => {
    const caller = { tenant: 't', scopes: new Set(['read'] as const), keyId: 'k' };
    requireScope(caller, 'read');
    let err: unknown;
    try {
      requireScope(caller, 'admin');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).status).toBe(403);
  });
});
