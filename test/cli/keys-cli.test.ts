import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApiKeyService } from '../../src/auth/api-keys.ts';
import { resolveKeyring } from '../../src/config/encryption-key.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { openStore } from '../../src/store/open-store.ts';

const cli = join(import.meta.dirname, '../../src/cli/keys.ts');
const dataDir = mkdtempSync(join(tmpdir(), 'gw-keys-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const env = { PATH: process.env.PATH ?? '', DATA_DIR: dataDir };

/** Runs `npm run keys -- <args>` as a person would (a separate process on the configured store). */
const keys = (...args: string[]) => {
  const r = spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

/** Authenticates a key against the same store the CLI wrote. */
async function authenticate(token: string) {
  const config = loadConfig(env);
  const store = await openStore(config, resolveKeyring(config, { warn() {} }));
  try {
    return await createApiKeyService({ store }).authenticate(`Bearer ${token}`);
  } finally {
    await store.close();
  }
}

describe('npm run keys', () => {
  it('creates a key printed once, lists it without its secret, and revokes it for good', async () => {
    const created = keys('create', '--tenant', 'clinic-a', '--scopes', 'read,write', '--label', 'etl job');
    expect(created.code).toBe(0);
    expect(created.out).toContain('created tenant clinic-a');
    const token = created.out.trim().split('\n').at(-1) as string;
    expect(token).toMatch(/^fgw_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const id = token.slice(4, 20);

    const caller = await authenticate(token);
    expect(caller.tenant).toBe('clinic-a');
    expect([...caller.scopes]).toEqual(['read', 'write']);

    const listed = keys('list', '--tenant', 'clinic-a');
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(`${id}\tclinic-a\tread,write\tactive`);
    expect(listed.out).toContain('etl job');
    expect(listed.out).not.toContain(token.slice(21));

    expect(keys('revoke', id)).toMatchObject({ code: 0, out: `revoked key ${id}\n` });
    expect(keys('list').out).toContain(`${id}\tclinic-a\tread,write\trevoked `);
    await expect(authenticate(token)).rejects.toThrow('has been revoked');
    expect(keys('revoke', id)).toMatchObject({ code: 1, err: `no active key with id ${id}\n` });
  }, 30_000);

  it('refuses bad input with a clear message and usage, creating nothing', () => {
    const badScope = keys('create', '--tenant', 'clinic-b', '--scopes', 'read,root');
    expect(badScope.code).toBe(1);
    expect(badScope.err).toContain('unknown scope(s) root: choose from read, subscribe, write, admin');
    const badTenant = keys('create', '--tenant', 'bad/tenant', '--scopes', 'read');
    expect(badTenant).toMatchObject({ code: 1 });
    expect(badTenant.err).toContain('tenant ids are');
    expect(keys('list').out).not.toContain('bad/tenant');
    expect(keys('create', '--tenant', 'clinic-b').code).toBe(2);
    expect(keys('frobnicate')).toMatchObject({ code: 2 });
    expect(keys('frobnicate').err).toContain('usage:');
    expect(keys('list', '--bogus').code).toBe(2);
    expect(keys('list', '--tenant', 'clinic-b').out).toBe('no keys\n');
  }, 30_000);
});
