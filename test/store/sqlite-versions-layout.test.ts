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
                "INSERT INTO resource_versions SELECT tenant, type, id, version_id, last_updated, hash, deleted, connection, body FROM resource_versions WHERE tenant = 't-1' AND version_id = 3",
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
});
