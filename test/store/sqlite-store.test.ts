import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe } from 'vitest';
import { deriveCursorKey } from '../../src/store/cursor-sealer.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { storeContract } from './contract.ts';
import { TEST_KEY } from './harness.ts';

describe('sqlite store contract', () => {
  storeContract(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-sqlite-'));
    const path = join(dir, 'gateway.db');
    return {
      name: 'sqlite',
      async open(o) {
        return openSqliteStore(path, {
          maxResourceBytes: o?.maxResourceBytes ?? 1024 * 1024,
          secretBox: createSecretBox(o?.key ?? TEST_KEY),
          cursorKey: deriveCursorKey(o?.key ?? TEST_KEY),
          ...(o?.now ? { now: o.now } : {}),
        });
      },
      async rawSecrets(tenant, id) {
        const db = new DatabaseSync(path, { readOnly: true });
        try {
          return (
            db.prepare('SELECT secrets FROM connections WHERE tenant = ? AND id = ?').get(tenant, id) as {
              secrets: string;
            }
          ).secrets;
        } finally {
          db.close();
        }
      },
      workerTarget: { kind: 'sqlite', path },
      async cleanup() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
});
