import { randomUUID } from 'node:crypto';
import type { Patient, Resource } from 'fhir/r4';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChangeCursors } from '../../src/store/cursor.ts';
import { CursorExpiredError } from '../../src/store/errors.ts';
import { type Collections, collections } from '../../src/store/mongo/collections.ts';
import { createMongoChangeLog } from '../../src/store/mongo/mongo-change-log.ts';
import { createMongoResources } from '../../src/store/mongo/mongo-resources.ts';
import { openMongoStore } from '../../src/store/mongo/open-mongo-store.ts';
import type { Change, ChangeLog, ResourceStore, Store } from '../../src/store/port.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { createTenantGuard } from '../../src/store/tenant-guard.ts';
import { mongoForTests, type TestMongo } from '../support/mongo-for-tests.ts';
import { TEST_KEY } from './harness.ts';

const T = 'clinic';
const patient = (id: string, family: string): Resource =>
  ({ resourceType: 'Patient', id, name: [{ family }] }) as Resource;
const family = (r: { resource: Resource } | undefined) =>
  (r?.resource as Patient | undefined)?.name?.[0]?.family;
const at = (iso: string) => Date.parse(iso);

/**
 * The change log's guarantees on MongoDB, where a write is several single-document steps:
 * a reader never skips changes a prune removed while it read (finding 2), every change a
 * reader sees is readable at its version even while its writer is paused or after it failed
 * (finding 3), and a version is never logged twice when a prune ran before recovery (finding 4).
 * The interleavings are forced by stepping into one component's collection calls; the store
 * parts themselves are the real ones on a real server.
 */
describe('mongo change log integrity', () => {
  let server: TestMongo;
  let client: MongoClient;
  let dbName: string;
  let clock = at('2026-01-01T00:00:00Z');
  const options = () => ({
    dbName,
    maxResourceBytes: 1 << 20,
    secretBox: createSecretBox(TEST_KEY),
    now: () => clock,
  });
  const open = () => openMongoStore(server.url, options());
  const opened: Store[] = [];
  const openTracked = async () => {
    const store = await open();
    opened.push(store);
    return store;
  };

  /** A store's resources and change log over collections a test can step into. */
  function partsOver(wrap: (c: Collections) => Collections): {
    resources: ResourceStore;
    changes: ChangeLog;
  } {
    const c = wrap(collections(client.db(dbName)));
    const resources = createMongoResources(
      c,
      { ...options() },
      createTenantGuard(() => true),
    );
    const changes = createMongoChangeLog(c, createChangeCursors(), {
      adopt: (docs) => resources.adopt(docs),
      finishUnlogged: () => resources.recoverUnlogged(),
    });
    return { resources, changes };
  }

  /** Collections whose `method` of `collection` first runs `step` (while `armed()`). */
  function intercept(
    collection: 'resources' | 'changes',
    method: 'replaceOne' | 'insertMany',
    step: () => Promise<void>,
  ): (c: Collections) => Collections {
    return (c) => {
      const target = c[collection] as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      const original = target[method]?.bind(target) as (...args: unknown[]) => Promise<unknown>;
      const wrapped = new Proxy(target, {
        get: (t, name) =>
          name === method
            ? async (...args: unknown[]) => {
                await step();
                return original(...args);
              }
            : Reflect.get(t, name),
      });
      return { ...c, [collection]: wrapped };
    };
  }

  /** Collections whose change-log scans first run `step`: after the reader chose where to start, before the scan. */
  function beforeScan(step: () => Promise<void>): (c: Collections) => Collections {
    return (c) => {
      const find = c.changes.find.bind(c.changes) as (...args: unknown[]) => { toArray(): Promise<unknown> };
      const changes = new Proxy(c.changes, {
        get: (t, name) =>
          name === 'find'
            ? (...args: unknown[]) => {
                const cursor = find(...args);
                const toArray = cursor.toArray.bind(cursor);
                cursor.toArray = async () => {
                  await step();
                  return toArray();
                };
                return cursor;
              }
            : Reflect.get(t, name),
      });
      return { ...c, changes };
    };
  }

  const changesOf = async (store: Store): Promise<Change[]> => {
    const out: Change[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await store.changes.after(cursor, 100, { tenant: T });
      out.push(...page.changes);
      if (page.cursor === cursor) return out;
      cursor = page.cursor;
    }
  };

  beforeAll(async () => {
    server = await mongoForTests();
    client = new MongoClient(server.url);
    await client.connect();
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });
  const fresh = async () => {
    for (const s of opened.splice(0)) await s.close();
    dbName = `gw_log_${randomUUID().slice(0, 8)}`;
    clock = at('2026-01-01T00:00:00Z');
    const store = await openTracked();
    await store.tenants.ensure(T);
    return store;
  };

  it('gives a reader CursorExpiredError, never a silent gap, when a prune runs during its read', async () => {
    const store = await fresh();
    for (let i = 1; i <= 7; i++) await store.resources.put(T, patient(`old${i}`, 'A'));
    clock = at('2026-01-02T00:00:00Z');
    for (let i = 1; i <= 3; i++) await store.resources.put(T, patient(`new${i}`, 'A'));
    let armed = true;
    const reader = partsOver(
      beforeScan(async () => {
        if (!armed) return;
        armed = false;
        // Removes seqs 1..7 after the reader decided where to start, before its scan runs.
        expect(await store.changes.prune(new Date('2026-01-01T12:00:00Z'))).toBe(7);
      }),
    );
    const page = reader.changes.after(store.changes.cursorAt(2), 100, { tenant: T });
    await expect(page).rejects.toBeInstanceOf(CursorExpiredError);
    // A reader without a cursor starts at the oldest kept change, even when the floor moves under it.
    clock = at('2026-01-03T00:00:00Z');
    await store.resources.put(T, patient('new4', 'A'));
    const fromStart = await partsOverFindPrune(store, '2026-01-02T12:00:00Z');
    expect(fromStart.map((c) => c.id)).toEqual(['new4']);
  });

  /** A reader without a cursor whose scan is preceded by a prune up to `before`. */
  async function partsOverFindPrune(store: Store, before: string): Promise<Change[]> {
    let armed = true;
    const reader = partsOver(
      beforeScan(async () => {
        if (!armed) return;
        armed = false;
        await store.changes.prune(new Date(before));
      }),
    );
    return (await reader.changes.after(undefined, 100, { tenant: T })).changes;
  }

  it('answers every change a tailer sees at its version while its writer is paused between steps', async () => {
    const store = await fresh();
    await store.resources.put(T, patient('p1', 'A'));
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let paused = false;
    const writer = partsOver(
      intercept('resources', 'replaceOne', async () => {
        paused = true;
        await gate; // the writer has inserted its version and appended its change, not projected it
      }),
    );
    const write = writer.resources.put(T, patient('p1', 'B'));
    while (!paused) await new Promise((r) => setTimeout(r, 5));
    const seen = (await changesOf(store)).map((c) => `${c.action}@${c.versionId}`);
    expect(seen).toEqual(['created@1', 'updated@2']);
    expect((await store.resources.read(T, 'Patient', 'p1'))?.versionId).toBe(2);
    expect(family(await store.resources.readVersion(T, 'Patient', 'p1', 2))).toBe('B');
    expect((await store.resources.history(T, 'Patient', 'p1')).map((v) => v.versionId)).toEqual([1, 2]);
    release();
    const result = await write;
    expect([result.outcome, result.stored.versionId]).toEqual(['updated', 2]);
    // The writer finishing late neither regresses the current version nor logs it again.
    expect((await changesOf(store)).map((c) => c.versionId)).toEqual([1, 2]);
    expect(family(await store.resources.read(T, 'Patient', 'p1'))).toBe('B');
  });

  it('answers the version of a change whose put failed after appending it', async () => {
    const store = await fresh();
    await store.resources.put(T, patient('p1', 'A'));
    const writer = partsOver(
      intercept('resources', 'replaceOne', async () => {
        throw new Error('connection lost');
      }),
    );
    await expect(writer.resources.put(T, patient('p1', 'B'))).rejects.toThrow('connection lost');
    const changes = await changesOf(store);
    expect(changes.map((c) => c.versionId)).toEqual([1, 2]);
    for (const c of changes) {
      expect(await store.resources.readVersion(T, c.type, c.id, c.versionId)).toBeDefined();
      expect((await store.resources.read(T, c.type, c.id))?.versionId).toBeGreaterThanOrEqual(c.versionId);
    }
    expect(family(await store.resources.read(T, 'Patient', 'p1'))).toBe('B');
    const next = await store.resources.put(T, patient('p1', 'C'));
    expect(next.stored.versionId).toBe(3);
  });

  it('never logs a version twice when a prune removed its change before recovery', async () => {
    const store = await fresh();
    await store.resources.put(T, patient('p1', 'A'));
    // A writer that dies after appending its change (before projecting and marking the version).
    const writer = partsOver(
      intercept('resources', 'replaceOne', async () => {
        throw new Error('killed');
      }),
    );
    await expect(writer.resources.put(T, patient('p1', 'B'))).rejects.toThrow('killed');
    clock = at('2026-01-02T00:00:00Z');
    await store.resources.put(T, patient('p2', 'A'));
    expect(await store.changes.prune(new Date('2026-01-01T12:00:00Z'))).toBe(2);
    const reopened = await openTracked(); // runs recovery
    expect((await changesOf(reopened)).map((c) => `${c.id}@${c.versionId}`)).toEqual(['p2@1']);
    expect((await reopened.resources.read(T, 'Patient', 'p1'))?.versionId).toBe(2);
  });

  it('stamps a recovered change with the time it was appended, so a prune by age keeps newer changes', async () => {
    const store = await fresh();
    await store.resources.put(T, patient('p1', 'A'));
    // A writer that dies after inserting its version, before appending its change.
    const writer = partsOver(
      intercept('changes', 'insertMany', async () => {
        throw new Error('killed');
      }),
    );
    await expect(writer.resources.put(T, patient('p1', 'B'))).rejects.toThrow('killed');
    clock = at('2026-01-02T00:00:00Z');
    await store.resources.put(T, patient('p2', 'A'));
    clock = at('2026-01-03T00:00:00Z');
    const reopened = await openTracked(); // recovery logs p1 v2 now, after p2
    await reopened.resources.put(T, patient('p3', 'A'));
    const logged = await changesOf(reopened);
    expect(logged.map((c) => `${c.id}@${c.versionId}`)).toEqual(['p1@1', 'p2@1', 'p1@2', 'p3@1']);
    expect(logged[2]?.at).toBe('2026-01-03T00:00:00.000Z');
    expect(await reopened.changes.prune(new Date('2026-01-01T12:00:00Z'))).toBe(1);
    expect((await changesOf(reopened)).map((c) => `${c.id}@${c.versionId}`)).toEqual([
      'p2@1',
      'p1@2',
      'p3@1',
    ]);
  });

  it('never appends into the pruned range when the seq hint lags behind (a writer died before raising it)', async () => {
    const store = await fresh();
    for (let i = 1; i <= 5; i++) await store.resources.put(T, patient(`old${i}`, 'A'));
    clock = at('2026-01-02T00:00:00Z');
    await store.resources.put(T, patient('new1', 'A'));
    // What a writer killed between its change insert and raising the hint leaves: a hint far behind.
    await client
      .db(dbName)
      .collection<{ _id: string; value: number }>('store_meta')
      .updateOne({ _id: 'changes.seq' }, { $set: { value: 1 } });
    expect(await store.changes.prune(new Date('2026-01-01T12:00:00Z'))).toBe(5);
    const next = await store.resources.put(T, patient('new2', 'A'));
    expect(next.seq).toBe(7);
    expect((await changesOf(store)).map((c) => `${c.seq}:${c.id}`)).toEqual(['6:new1', '7:new2']);
  });
});
