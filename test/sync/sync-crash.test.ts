import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Patient } from 'fhir/r4';
import { afterAll, describe, expect, it } from 'vitest';
import type { Change, Store } from '../../src/store/port.ts';
import type { WorkerTarget } from '../store/harness.ts';
import { openForWorker } from '../store/open-for-worker.ts';
import { dropTestDatabase, mongoForTests } from '../support/mongo-for-tests.ts';
import { startTestSource } from './test-source.ts';

const dir = mkdtempSync(join(tmpdir(), 'sync-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PAGE_SIZE = 250;

/** Runs the sync worker; with `killAfterPages`, kills it with SIGKILL once that many pages committed. */
async function runWorker(
  target: WorkerTarget,
  url: string,
  holder: string,
  killAfterPages?: number,
): Promise<'killed' | 'done'> {
  const worker = join(import.meta.dirname, 'sync-crash-worker.ts');
  const child = spawn(process.execPath, [worker, JSON.stringify(target), url, holder], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
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

/**
 * Backfills `records` patients through the sync worker, killing it with SIGKILL twice (after 30 %
 * and 60 % of the pages), each restart a new lease holder; then checks the store against the source.
 */
async function crashAndRecover(target: WorkerTarget, records: number): Promise<void> {
  const source = await startTestSource();
  const setup = await openForWorker(target);
  await setup.tenants.ensure('crash');
  await setup.connections.put({ tenant: 'crash', id: 'dc.main', source: 'drchrono', config: {} }, {});
  await setup.close();
  for (let i = 1; i <= records; i++) {
    source.put('patients', { id: i, gender: i % 3 ? 'F' : 'M', last_name: `Family-${i}` });
  }
  try {
    const slice = Math.max(1, Math.floor((records / PAGE_SIZE) * 0.3));
    expect(await runWorker(target, source.url, 'gw-1', slice)).toBe('killed');
    expect(await runWorker(target, source.url, 'gw-2', slice)).toBe('killed');
    expect(await runWorker(target, source.url, 'gw-3')).toBe('done');

    const store = await openForWorker(target);
    try {
      const families = new Map<string, string>();
      let after: string | undefined;
      do {
        const page = await store.resources.list('crash', 'Patient', {
          limit: 1_000,
          ...(after ? { after } : {}),
        });
        for (const item of page.items) {
          const patient = item.resource as Patient;
          families.set(patient.identifier?.[0]?.value ?? '', patient.name?.[0]?.family ?? '');
          expect(item.versionId).toBe(1);
        }
        after = page.next;
      } while (after);
      expect(families.size).toBe(records);
      for (const i of [1, 2, records / 2, records]) expect(families.get(String(i))).toBe(`Family-${i}`);

      const changes = await allChanges(store);
      expect(changes).toHaveLength(records);
      expect(new Set(changes.map((c) => `${c.type}/${c.id}/${c.versionId}`)).size).toBe(records);
      // The restarted processes resumed the backfill as backfill.
      expect(changes.every((c) => c.backfill && c.action === 'created')).toBe(true);
    } finally {
      await store.close();
    }
  } finally {
    await source.close();
  }
}

describe('sync crash safety', () => {
  // The 50,000 records: about 20 s on a quiet 2-core machine since the backfill got faster
  // (bench/RESULTS.md); the timeout leaves room for a loaded one.
  const SQLITE_RECORDS = 50_000;
  it(`SQLite: kill -9 twice in a ${SQLITE_RECORDS}-record backfill, restart: the store equals the source, one event per version`, async () => {
    await crashAndRecover({ kind: 'sqlite', path: join(dir, 'sync.db') }, SQLITE_RECORDS);
  }, 300_000);

  // FerretDB scans instead of using indexes: a smaller backfill proves the same on the Mongo adapter.
  const MONGO_RECORDS = 1_000;
  it(`Mongo (FerretDB): kill -9 twice in a ${MONGO_RECORDS}-record backfill, restart: the same holds`, async () => {
    const server = await mongoForTests();
    const dbName = `gw_sync_crash_${randomUUID().slice(0, 8)}`;
    try {
      await crashAndRecover({ kind: 'mongo', url: server.url, dbName }, MONGO_RECORDS);
    } finally {
      await dropTestDatabase(server.url, dbName);
      await server.stop();
    }
  }, 180_000);
});
