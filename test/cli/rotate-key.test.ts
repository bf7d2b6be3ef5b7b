import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMongoStore } from '../../src/store/mongo/open-mongo-store.ts';
import type { Store } from '../../src/store/port.ts';
import { createSecretBox, type Keyring, keyId } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { mongoForTests, type TestMongo } from '../support/mongo-for-tests.ts';

const OLD = Buffer.alloc(32, 21);
const NEW = Buffer.alloc(32, 22);
const LOST = Buffer.alloc(32, 23);
const CLI = new URL('../../src/cli/rotate-key.ts', import.meta.url).pathname;

/** Runs `npm run rotate-key`'s script as a real process. */
function runCli(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI],
      { env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'info', ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

type Target = {
  env: Record<string, string>;
  open(keys: Buffer | Keyring): Promise<Store>;
  stop(): Promise<void>;
};

const targets: Record<'sqlite' | 'mongo', () => Promise<Target>> = {
  async sqlite() {
    const dir = mkdtempSync(join(tmpdir(), 'rotate-'));
    const path = join(dir, 'gateway.db');
    return {
      env: { STORE: 'sqlite', SQLITE_PATH: path, DATA_DIR: dir },
      open: async (keys) =>
        openSqliteStore(path, { maxResourceBytes: 1 << 20, secretBox: createSecretBox(keys) }),
      stop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
  async mongo() {
    const server: TestMongo = await mongoForTests();
    const url = new URL(server.url);
    url.pathname = `/rotate_${randomUUID().slice(0, 8)}`;
    return {
      env: { STORE: 'mongo', MONGODB_URL: url.toString() },
      open: (keys) =>
        openMongoStore(url.toString(), { maxResourceBytes: 1 << 20, secretBox: createSecretBox(keys) }),
      stop: () => server.stop(),
    };
  },
};

for (const kind of ['sqlite', 'mongo'] as const) {
  describe(`npm run rotate-key on ${kind}`, () => {
    let target: Target;
    beforeAll(async () => {
      target = await targets[kind]();
      const store = await target.open(OLD);
      try {
        for (const tenant of ['clinic-a', 'clinic-b']) {
          await store.tenants.ensure(tenant);
          await store.connections.put(
            { tenant, id: 'jane', source: 'jane', config: {} },
            { refresh_token: `rt-secret-${tenant}` },
          );
        }
        await store.tenantSecrets.put('clinic-b', 'epic-signing-key', 'pem-secret-b');
      } finally {
        await store.close();
      }
    });
    afterAll(async () => {
      await target?.stop();
    });

    it('reseals every secret of every tenant under the current key, then finds nothing left to do', async () => {
      const env = {
        ...target.env,
        DATA_ENCRYPTION_KEY: NEW.toString('base64'),
        DATA_ENCRYPTION_KEYS_PREVIOUS: `${Buffer.alloc(32, 99).toString('hex')}, ${OLD.toString('base64')}`,
      };
      const first = await runCli(env);
      expect(first.stderr).not.toContain('secret-');
      expect(first.code).toBe(0);
      expect(JSON.parse(first.stdout)).toEqual({
        currentKeyId: keyId(NEW),
        resealed: 3,
        current: 0,
        failed: [],
      });
      const second = await runCli(env);
      expect(JSON.parse(second.stdout)).toMatchObject({ resealed: 0, current: 3, failed: [] });

      const store = await target.open(NEW);
      try {
        expect(await store.connections.secrets('clinic-a', 'jane')).toEqual({
          refresh_token: 'rt-secret-clinic-a',
        });
        expect(await store.tenantSecrets.get('clinic-b', 'epic-signing-key')).toBe('pem-secret-b');
        // A secret sealed with a key nobody kept: reported by id, exit 1, the rest still done.
        const lost = await target.open(LOST);
        await lost.tenantSecrets.put('clinic-a', 'orphan', 'orphan-secret-value');
        await lost.close();
      } finally {
        await store.close();
      }
      const third = await runCli(env);
      expect(third.code).toBe(1);
      expect(JSON.parse(third.stdout)).toMatchObject({
        resealed: 0,
        current: 3,
        failed: [{ tenant: 'clinic-a', kind: 'tenant-secret', id: 'orphan' }],
      });
      expect(third.stdout + third.stderr).not.toContain('orphan-secret-value');
    });

    it('refuses a bad previous-key list with exit 2, naming positions, not values', async () => {
      const res = await runCli({
        ...target.env,
        DATA_ENCRYPTION_KEY: NEW.toString('base64'),
        DATA_ENCRYPTION_KEYS_PREVIOUS: `${OLD.toString('hex')},not-a-key-value`,
      });
      expect(res.code).toBe(2);
      expect(res.stderr).toContain('DATA_ENCRYPTION_KEYS_PREVIOUS: entries 2 are not 32-byte keys');
      expect(res.stderr).not.toContain('not-a-key-value');
      expect(res.stderr).not.toContain(OLD.toString('hex'));
    });
  });
}
