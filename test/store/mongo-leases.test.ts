import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMongoStore } from '../../src/store/mongo/open-mongo-store.ts';
import type { Store } from '../../src/store/port.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { mongoForTests, type TestMongo } from '../support/mongo-for-tests.ts';
import { TEST_KEY } from './harness.ts';

/** What the lease terms leave in the database (the contract suite covers exclusivity). */
describe('mongo lease terms', () => {
  let server: TestMongo;
  let client: MongoClient;
  let store: Store;
  const dbName = `gw_leases_${randomUUID().slice(0, 8)}`;
  const leases = () => client.db(dbName).collection<{ _id: string; name?: string }>('leases');

  beforeAll(async () => {
    server = await mongoForTests();
    client = new MongoClient(server.url);
    await client.connect();
    store = await openMongoStore(server.url, {
      dbName,
      maxResourceBytes: 1 << 20,
      secretBox: createSecretBox(TEST_KEY),
    });
  });
  afterAll(async () => {
    await store?.close();
    await client
      ?.db(dbName)
      .dropDatabase()
      .catch(() => {});
    await client?.close();
    await server?.stop();
  });

  it('keeps only the newest few terms of a lease renewed many times', async () => {
    const name = 'sync:t1:conn.a b@c'; // '@' and spaces in a name do not confuse term ids
    let lease = await store.leases.acquire(name, 'h1', 10_000);
    for (let i = 0; i < 12; i++) lease = lease && (await store.leases.renew(lease, 10_000));
    expect(lease?.fence).toBe(1);
    const terms = await leases().countDocuments({ name });
    expect(terms).toBeGreaterThan(0);
    expect(terms).toBeLessThanOrEqual(5);
    expect((await store.leases.current(name))?.holder).toBe('h1');
  });

  it('continues the fencing token of a lease stored in the single-document layout', async () => {
    const name = 'sync:t1:legacy';
    // The layout before terms: one document per lease, updated in place.
    await leases().insertOne({ _id: name, holder: 'old', fence: 7, expiresAt: 0 } as never);
    const taken = await store.leases.acquire(name, 'new', 10_000);
    expect(taken?.fence).toBe(8);
    expect((await store.leases.current(name))?.holder).toBe('new');
  });
});
