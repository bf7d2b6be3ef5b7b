import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Patient } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { loadFhirDefinitions } from '../../src/fhir/definitions.ts';
import { parseSearch } from '../../src/fhir/parse-search.ts';
import { searchIndexer } from '../../src/fhir/search-indexer.ts';
import { deriveCursorKey } from '../../src/store/cursor-sealer.ts';
import type { Store } from '../../src/store/port.ts';
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
          cursorKey: deriveCursorKey(TEST_KEY),
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
        /schema version 1; this gateway needs 3\. Move the file aside/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlite deferred index rows', () => {
  const defs = loadFhirDefinitions({ resourceTypes: ['Patient'] });
  const open = (path: string) =>
    openSqliteStore(path, {
      maxResourceBytes: 1024 * 1024,
      secretBox: createSecretBox(TEST_KEY),
      indexer: searchIndexer(defs),
    });
  const pendingIn = (path: string) => {
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM index_pending').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };
  const male = (id: string) => ({ resourceType: 'Patient', id, gender: 'male' }) as Patient;
  const withFile = async (work: (path: string) => Promise<void>) => {
    const dir = mkdtempSync(join(tmpdir(), 'search-deferred-'));
    try {
      await work(join(dir, 'gateway.db'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it("another connection's search finds a write whose rows the writer still holds", () =>
    withFile(async (path) => {
      const writer = open(path);
      const reader = open(path);
      try {
        await writer.tenants.ensure('t');
        await writer.resources.put('t', male('m1'));
        expect(pendingIn(path)).toBe(1);
        const males = async (store: Store) =>
          (
            await store.resources.search('t', 'Patient', parseSearch(defs, 'Patient', { gender: 'male' }))
          ).items.map((item) => item.id);
        expect(await males(reader)).toEqual(['m1']);
        expect(pendingIn(path)).toBe(0);
        // The writer, whose memory still holds m1, writes nothing twice.
        expect(await males(writer)).toEqual(['m1']);
        const db = new DatabaseSync(path, { readOnly: true });
        try {
          expect(db.prepare("SELECT count(*) AS n FROM idx_token WHERE code = 'male'").get()).toEqual({
            n: 1,
          });
        } finally {
          db.close();
        }
      } finally {
        await reader.close();
        await writer.close();
      }
    }));

  it('writes the deferred rows by itself once writes pause, and at close', () =>
    withFile(async (path) => {
      const store = open(path);
      try {
        await store.tenants.ensure('t');
        await store.resources.put('t', male('m1'));
        expect(pendingIn(path)).toBe(1);
        await new Promise((resolve) => setTimeout(resolve, 400)); // past the idle drain (200 ms)
        expect(pendingIn(path)).toBe(0);
        await store.resources.put('t', male('m2'));
        expect(pendingIn(path)).toBe(1);
      } finally {
        await store.close();
      }
      expect(pendingIn(path)).toBe(0);
    }));
});
