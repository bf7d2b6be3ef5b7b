import { randomUUID } from 'node:crypto';
import type { Resource } from 'fhir/r4';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMongoStore } from '../../src/store/mongo/open-mongo-store.ts';
import type { Store } from '../../src/store/port.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { mongoForTests, type TestMongo } from '../support/mongo-for-tests.ts';
import { TEST_KEY } from './harness.ts';

/**
 * Without transactions a writer can die between inserting a version and logging its change.
 * These tests leave exactly that state behind and check it is finished, never lost or doubled.
 */
describe('mongo store recovery without transactions', () => {
  let server: TestMongo;
  let client: MongoClient;
  const dbName = `gw_recovery_${randomUUID().slice(0, 8)}`;
  const open = () =>
    openMongoStore(server.url, { dbName, maxResourceBytes: 1 << 20, secretBox: createSecretBox(TEST_KEY) });

  beforeAll(async () => {
    server = await mongoForTests();
    client = new MongoClient(server.url);
    await client.connect();
  });
  afterAll(async () => {
    await client
      .db(dbName)
      .dropDatabase()
      .catch(() => {});
    await client.close();
    await server.stop();
  });

  /** What a writer killed right after its version insert leaves behind. */
  async function leaveOrphanVersion(store: Store, tenant: string, id: string, family: string) {
    const current = await store.resources.read(tenant, 'Patient', id);
    const versionId = (current?.versionId ?? 0) + 1;
    const resource = {
      resourceType: 'Patient',
      id,
      name: [{ family }],
      meta: { versionId: String(versionId) },
    };
    await client
      .db(dbName)
      .collection('resource_versions')
      .insertOne({
        _id: `${tenant}/Patient/${id}/${versionId}` as never,
        tenant,
        type: 'Patient',
        id,
        versionId,
        lastUpdated: new Date().toISOString(),
        hash: `orphan-${versionId}`,
        deleted: false,
        connection: null,
        body: JSON.stringify(resource),
        logged: false,
        action: versionId === 1 ? 'created' : 'updated',
      });
  }

  it('finishes an unlogged version at open: one change, projected as current', async () => {
    const first = await open();
    await first.tenants.ensure('rec');
    await first.resources.put('rec', {
      resourceType: 'Patient',
      id: 'p1',
      name: [{ family: 'A' }],
    } as Resource);
    await leaveOrphanVersion(first, 'rec', 'p1', 'B');
    // Before recovery nobody sees the orphan: readers and the change log agree.
    expect((await first.resources.read('rec', 'Patient', 'p1'))?.versionId).toBe(1);
    await first.close();

    const second = await open();
    try {
      expect((await second.resources.read('rec', 'Patient', 'p1'))?.versionId).toBe(2);
      const page = await second.changes.after(undefined, 100, { tenant: 'rec' });
      expect(page.changes.map((c) => `${c.action}@${c.versionId}`)).toEqual(['created@1', 'updated@2']);
    } finally {
      await second.close();
    }
  });

  it('lets the next writer of the resource finish an orphan, then write its own version', async () => {
    const store = await open();
    try {
      await store.tenants.ensure('rec2');
      await store.resources.put('rec2', {
        resourceType: 'Patient',
        id: 'p1',
        name: [{ family: 'A' }],
      } as Resource);
      await leaveOrphanVersion(store, 'rec2', 'p1', 'B');
      const next = await store.resources.put('rec2', {
        resourceType: 'Patient',
        id: 'p1',
        name: [{ family: 'C' }],
      } as Resource);
      expect(next.outcome).toBe('updated');
      expect(next.stored.versionId).toBe(3);
      const page = await store.changes.after(undefined, 100, { tenant: 'rec2' });
      expect(page.changes.map((c) => c.versionId)).toEqual([1, 2, 3]);
      expect((await store.resources.history('rec2', 'Patient', 'p1')).map((v) => v.versionId)).toEqual([
        1, 2, 3,
      ]);
    } finally {
      await store.close();
    }
  });
});
