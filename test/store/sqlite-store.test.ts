import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe } from 'vitest';
import { deriveCursorKey } from '../../src/store/cursor-sealer.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { storeContract } from './contract.ts';
import { currentKey, TEST_KEY } from './harness.ts';

describe('sqlite store contract', () => {
  storeContract(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-sqlite-'));
    const path = join(dir, 'gateway.db');
    const writeRawSecrets = async (tenant: string, id: string, sealed: string) => {
      const db = new DatabaseSync(path);
      try {
        db.prepare('UPDATE connections SET secrets = ? WHERE tenant = ? AND id = ?').run(sealed, tenant, id);
      } finally {
        db.close();
      }
    };
    const readRaw = (sql: string, ...params: string[]) => {
      const db = new DatabaseSync(path, { readOnly: true });
      try {
        return (db.prepare(sql).get(...params) as { v: string } | undefined)?.v ?? '';
      } finally {
        db.close();
      }
    };
    return {
      name: 'sqlite',
      async open(o) {
        return openSqliteStore(path, {
          maxResourceBytes: o?.maxResourceBytes ?? 1024 * 1024,
          secretBox: createSecretBox(o?.key ?? TEST_KEY),
          cursorKey: deriveCursorKey(currentKey(o?.key ?? TEST_KEY)),
          ...(o?.now ? { now: o.now } : {}),
        });
      },
      async rawSecrets(tenant, id) {
        return readRaw('SELECT secrets AS v FROM connections WHERE tenant = ? AND id = ?', tenant, id);
      },
      writeRawSecrets,
      // The v1 text sat in the same column.
      writeLegacySecrets: writeRawSecrets,
      async rawTenantSecret(tenant, name) {
        return readRaw('SELECT sealed AS v FROM tenant_secrets WHERE tenant = ? AND name = ?', tenant, name);
      },
      workerTarget: { kind: 'sqlite', path },
      async cleanup() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
});
