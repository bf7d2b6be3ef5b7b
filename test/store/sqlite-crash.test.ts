import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { TEST_KEY } from './harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'store-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts the writer, lets it run `ms` after its first commit, then kills it with SIGKILL. */
async function killMidBurst(path: string, ms: number): Promise<void> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'crash-writer.ts'), path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
  });
  await new Promise((r) => setTimeout(r, ms));
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describe('sqlite crash safety', () => {
  it('after kill -9 mid-burst, every version has its change and every change its version', async () => {
    const path = join(dir, 'crash.db');
    for (const ms of [150, 420, 730]) await killMidBurst(path, ms);

    // Reopening runs recovery (WAL replay) exactly as a restarted gateway would.
    const store = openSqliteStore(path, {
      maxResourceBytes: 1024 * 1024,
      secretBox: createSecretBox(TEST_KEY),
    });
    await store.close();
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      const versions = count('SELECT COUNT(*) AS n FROM resource_versions');
      expect(versions).toBeGreaterThan(100);
      expect(count('SELECT COUNT(*) AS n FROM changes')).toBe(versions);
      expect(
        count(`SELECT COUNT(*) AS n FROM resource_versions v LEFT JOIN changes c
          ON c.tenant = v.tenant AND c.type = v.type AND c.id = v.id AND c.version_id = v.version_id WHERE c.seq IS NULL`),
      ).toBe(0);
      expect(
        count(`SELECT COUNT(*) AS n FROM changes c LEFT JOIN resource_versions v
          ON c.tenant = v.tenant AND c.type = v.type AND c.id = v.id AND c.version_id = v.version_id WHERE v.id IS NULL`),
      ).toBe(0);
      // The current row is always the newest version.
      expect(
        count(`SELECT COUNT(*) AS n FROM resources r WHERE r.version_id <>
          (SELECT MAX(version_id) FROM resource_versions v WHERE v.tenant = r.tenant AND v.type = r.type AND v.id = r.id)`),
      ).toBe(0);
      // Seqs have no holes: a torn transaction left nothing behind.
      expect(count('SELECT MAX(seq) - MIN(seq) + 1 AS n FROM changes')).toBe(versions);
      expect(db.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
    } finally {
      db.close();
    }
  }, 60_000);
});
