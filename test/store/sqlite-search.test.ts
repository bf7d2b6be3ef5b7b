import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { TEST_KEY } from './harness.ts';
import { searchContract } from './search-contract.ts';

describe('sqlite search contract', () => {
  searchContract(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'search-sqlite-'));
    const path = join(dir, 'gateway.db');
    return {
      async open(options) {
        return openSqliteStore(path, {
          maxResourceBytes: 1024 * 1024,
          secretBox: createSecretBox(TEST_KEY),
          ...options,
        });
      },
      async cleanup() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
});
