import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Patient } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { loadFhirDefinitions } from '../../src/fhir/definitions.ts';
import { searchIndexer } from '../../src/fhir/search-indexer.ts';
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

describe('sqlite index layout limits', () => {
  const options = { maxResourceBytes: 1024 * 1024, secretBox: createSecretBox(TEST_KEY) };

  it('a resource with more entries of one kind than a row range holds is refused, nothing stored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'search-limit-'));
    const store = openSqliteStore(join(dir, 'gateway.db'), {
      ...options,
      indexer: searchIndexer(loadFhirDefinitions({ resourceTypes: ['Patient'] })),
    });
    try {
      await store.tenants.ensure('t');
      const identifier = Array.from({ length: 4100 }, (_, n) => ({ system: 'urn:mrn', value: `M${n}` }));
      const huge = { resourceType: 'Patient', id: 'huge', identifier } as Patient;
      await expect(store.resources.putMany('t', [huge])).rejects.toThrow(
        'Patient has more than 4096 token search entries; not stored',
      );
      expect(await store.resources.read('t', 'Patient', 'huge')).toBeUndefined();
      expect(await store.changes.highWaterMark()).toBe(0);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file of the earlier layout (schema 1) is refused at open with what to do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'search-schema-'));
    const path = join(dir, 'gateway.db');
    const old = new DatabaseSync(path);
    old.exec(
      'CREATE TABLE resources (tenant TEXT, type TEXT, id TEXT, body TEXT, PRIMARY KEY (tenant, type, id)) WITHOUT ROWID',
    );
    old.close();
    try {
      expect(() => openSqliteStore(path, options)).toThrow(
        /schema version 1; this gateway needs 2\. Move the file aside/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
