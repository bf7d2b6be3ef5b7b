import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Patient } from 'fhir/r4';
import { afterAll, describe, expect, it } from 'vitest';
import type { Change, Store } from '../../src/store/port.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { startTestSource } from './test-source.ts';

const dir = mkdtempSync(join(tmpdir(), 'sync-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Records in the backfill: the largest that keeps this test well under a minute on a loaded 2-core machine. */
const RECORDS = 50_000;

/** Runs the sync worker; with `killAfterPages`, kills it with SIGKILL once that many pages committed. */
async function runWorker(
  path: string,
  url: string,
  holder: string,
  killAfterPages?: number,
): Promise<'killed' | 'done'> {
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, 'sync-crash-worker.ts'), path, url, holder],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let pages = 0;
  let killed = false;
  child.stdout.on('data', (chunk: Buffer) => {
    pages += chunk.toString().split('page\n').length - 1;
    if (killAfterPages !== undefined && pages >= killAfterPages && !killed) {
      killed = true;
      child.kill('SIGKILL');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (killed) return 'killed';
  if (code !== 0) throw new Error(`sync worker exited with ${code}`);
  return 'done';
}

async function allChanges(store: Store): Promise<Change[]> {
  const changes: Change[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await store.changes.after(cursor, 5_000, { allTenants: true });
    if (page.changes.length === 0) return changes;
    changes.push(...page.changes);
    cursor = page.cursor;
  }
}

describe('sync crash safety (SQLite)', () => {
  it(`after kill -9 twice in a ${RECORDS}-record backfill and restarts, the store equals the source and no version has two events`, async () => {
    const source = await startTestSource();
    const path = join(dir, 'sync.db');
    const setup = openSqliteStore(path, {
      maxResourceBytes: 1 << 20,
      secretBox: createSecretBox(Buffer.alloc(32, 7)),
    });
    await setup.tenants.ensure('crash');
    await setup.connections.put({ tenant: 'crash', id: 'dc.main', source: 'drchrono', config: {} }, {});
    await setup.close();
    for (let i = 1; i <= RECORDS; i++) {
      source.put('patients', { id: i, gender: i % 3 ? 'F' : 'M', last_name: `Family-${i}` });
    }
    try {
      const pages = RECORDS / 250;
      expect(await runWorker(path, source.url, 'gw-1', Math.floor(pages * 0.3))).toBe('killed');
      expect(await runWorker(path, source.url, 'gw-2', Math.floor(pages * 0.3))).toBe('killed');
      expect(await runWorker(path, source.url, 'gw-3')).toBe('done');

      const store = openSqliteStore(path, {
        maxResourceBytes: 1 << 20,
        secretBox: createSecretBox(Buffer.alloc(32, 7)),
      });
      try {
        const families = new Map<string, string>();
        let after: string | undefined;
        do {
          const page = await store.resources.list('crash', 'Patient', {
            limit: 5_000,
            ...(after ? { after } : {}),
          });
          for (const item of page.items) {
            const patient = item.resource as Patient;
            families.set(patient.identifier?.[0]?.value ?? '', patient.name?.[0]?.family ?? '');
            expect(item.versionId).toBe(1);
          }
          after = page.next;
        } while (after);
        expect(families.size).toBe(RECORDS);
        for (const i of [1, 2, RECORDS / 2, RECORDS]) expect(families.get(String(i))).toBe(`Family-${i}`);

        const changes = await allChanges(store);
        expect(changes).toHaveLength(RECORDS);
        // The restarted processes resumed the backfill as backfill.
        expect(changes.every((c) => c.backfill && c.action === 'created')).toBe(true);
        expect(new Set(changes.map((c) => `${c.type}/${c.id}/${c.versionId}`)).size).toBe(RECORDS);
      } finally {
        await store.close();
      }
    } finally {
      await source.close();
    }
  }, 120_000);
});
