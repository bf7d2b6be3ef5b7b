import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Patient } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { TEST_KEY } from './harness.ts';

const options = { maxResourceBytes: 1024 * 1024, secretBox: createSecretBox(TEST_KEY) };

/** Rewrites the file's `resource_versions` as releases before the rowid layout wrote it. */
function toKeyedLayout(path: string): void {
  const db = new DatabaseSync(path);
  try {
    db.exec(`BEGIN;
      CREATE TABLE old_versions (
        tenant TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL, version_id INTEGER NOT NULL,
        last_updated TEXT NOT NULL, hash TEXT NOT NULL, deleted INTEGER NOT NULL, connection TEXT,
        body TEXT NOT NULL,
        PRIMARY KEY (tenant, type, id, version_id)
      ) WITHOUT ROWID;
      INSERT INTO old_versions SELECT tenant, type, id, version_id, last_updated, hash, deleted, connection, body
        FROM resource_versions;
      DROP TABLE resource_versions;
      ALTER TABLE old_versions RENAME TO resource_versions;
      COMMIT;`);
  } finally {
    db.close();
  }
}

/** Rewrites the file as schema 2 wrote it: versions without `rid`, keyed by (tenant, type, id, version). */
function toSchema2(path: string): void {
  const db = new DatabaseSync(path);
  try {
    db.exec(`BEGIN;
      DROP INDEX resource_versions_rid;
      ALTER TABLE resource_versions DROP COLUMN rid;
      CREATE UNIQUE INDEX resource_versions_key ON resource_versions (tenant, type, id, version_id);
      UPDATE store_meta SET value = '2' WHERE key = 'schema_version';
      COMMIT;`);
  } finally {
    db.close();
  }
}

function versionsIndexes(path: string): string[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return (
      db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'resource_versions' AND sql IS NOT NULL",
        )
        .all() as Array<{ name: string }>
    ).map((r) => r.name);
  } finally {
    db.close();
  }
}

function versionsTableSql(path: string): string {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return (
      db
        .prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'resource_versions'")
        .get() as {
        sql: string;
      }
    ).sql;
  } finally {
    db.close();
  }
}

describe('sqlite resource_versions layout', () => {
  const patient = (id: string, family: string) =>
    ({ resourceType: 'Patient', id, name: [{ family }] }) as Patient;

  it('a file written with the keyed (WITHOUT ROWID) layout is rebuilt at open with every version kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'versions-layout-'));
    const path = join(dir, 'gateway.db');
    try {
      const before = openSqliteStore(path, options);
      await before.tenants.ensure('t-1');
      await before.tenants.ensure('t_2');
      await before.resources.put('t-1', patient('a.b-1', 'One'));
      await before.resources.put('t-1', patient('a.b-1', 'Two'));
      await before.resources.put('t_2', patient('a.b-1', 'Other tenant'));
      await before.resources.delete('t_2', 'Patient', 'a.b-1');
      await before.close();
      toKeyedLayout(path);
      expect(versionsTableSql(path)).toMatch(/WITHOUT ROWID/);

      const after = openSqliteStore(path, options);
      try {
        expect(versionsTableSql(path)).not.toMatch(/WITHOUT ROWID/);
        const history = await after.resources.history('t-1', 'Patient', 'a.b-1');
        expect(history.map((v) => [v.versionId, (v.resource as Patient).name?.[0]?.family])).toEqual([
          [1, 'One'],
          [2, 'Two'],
        ]);
        const other = await after.resources.history('t_2', 'Patient', 'a.b-1');
        expect(other.map((v) => [v.versionId, v.deleted])).toEqual([
          [1, false],
          [2, true],
        ]);
        expect((await after.resources.readVersion('t-1', 'Patient', 'a.b-1', 1))?.resource).toMatchObject({
          name: [{ family: 'One' }],
        });
        // Writes go on from the versions kept, and the key still refuses a second copy of one.
        expect((await after.resources.put('t-1', patient('a.b-1', 'Three'))).stored.versionId).toBe(3);
        const raw = new DatabaseSync(path);
        try {
          expect(() =>
            raw
              .prepare(
                "INSERT INTO resource_versions SELECT * FROM resource_versions WHERE tenant = 't-1' AND version_id = 3",
              )
              .run(),
          ).toThrow(/UNIQUE constraint failed/);
        } finally {
          raw.close();
        }
      } finally {
        await after.close();
      }
      // Opening again finds the new layout and leaves it as it is.
      const again = openSqliteStore(path, options);
      expect((await again.resources.history('t-1', 'Patient', 'a.b-1')).length).toBe(3);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a schema-2 file (versions keyed by tenant, type, id, version) is upgraded at open: versions found by rid, every one kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'versions-rid-'));
    const path = join(dir, 'gateway.db');
    try {
      const before = openSqliteStore(path, options);
      await before.tenants.ensure('t-1');
      await before.tenants.ensure('t-10');
      await before.resources.put('t-1', patient('a.b-1', 'One'));
      await before.resources.put('t-1', patient('a.b-1', 'Two'));
      // Same id in a tenant whose name extends the first one's, and a tombstone.
      await before.resources.put('t-10', patient('a.b-1', 'Neighbour'));
      await before.resources.put('t-1', patient('z', 'Gone'));
      await before.resources.delete('t-1', 'Patient', 'z');
      await before.close();
      toSchema2(path);
      expect(versionsIndexes(path)).toEqual(['resource_versions_key']);

      const after = openSqliteStore(path, options);
      try {
        expect(versionsIndexes(path)).toEqual(['resource_versions_rid']);
        const families = async (tenant: string, id: string) =>
          (await after.resources.history(tenant, 'Patient', id)).map((v) => [
            v.versionId,
            v.deleted ? 'deleted' : (v.resource as Patient).name?.[0]?.family,
          ]);
        expect(await families('t-1', 'a.b-1')).toEqual([
          [1, 'One'],
          [2, 'Two'],
        ]);
        expect(await families('t-10', 'a.b-1')).toEqual([[1, 'Neighbour']]);
        expect(await families('t-1', 'z')).toEqual([
          [1, 'Gone'],
          [2, 'deleted'],
        ]);
        expect((await after.resources.readVersion('t-1', 'Patient', 'a.b-1', 1))?.resource).toMatchObject({
          name: [{ family: 'One' }],
        });
        expect(await after.resources.readVersion('t-10', 'Patient', 'a.b-1', 2)).toBeUndefined();
        // Writes go on from the versions kept, a re-create after the tombstone too.
        expect((await after.resources.put('t-1', patient('a.b-1', 'Three'))).stored.versionId).toBe(3);
        expect((await after.resources.put('t-1', patient('z', 'Back'))).stored.versionId).toBe(3);
        expect((await families('t-1', 'z')).at(-1)).toEqual([3, 'Back']);
      } finally {
        await after.close();
      }
      const raw = new DatabaseSync(path, { readOnly: true });
      try {
        expect(raw.prepare("SELECT value FROM store_meta WHERE key = 'schema_version'").get()).toEqual({
          value: '3',
        });
        expect(raw.prepare('SELECT COUNT(*) AS n FROM resource_versions WHERE rid IS NULL').get()).toEqual({
          n: 0,
        });
      } finally {
        raw.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
