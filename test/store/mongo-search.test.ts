import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveCursorKey } from '../../src/store/cursor-sealer.ts';
import { openMongoStore } from '../../src/store/mongo/open-mongo-store.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { mongoForTests, type TestMongo } from '../support/mongo-for-tests.ts';
import { TEST_KEY } from './harness.ts';
import { searchContract } from './search-contract.ts';

let server: TestMongo | undefined;
const serverOnce = async () => {
  server ??= await mongoForTests();
  return server;
};
afterAll(async () => {
  await server?.stop();
});

describe('mongo search contract', () => {
  searchContract(async () => {
    const { url } = await serverOnce();
    const dbName = `gw_search_${randomUUID().slice(0, 8)}`;
    return {
      async open(options) {
        return openMongoStore(url, {
          dbName,
          maxResourceBytes: 1024 * 1024,
          secretBox: createSecretBox(TEST_KEY),
          cursorKey: deriveCursorKey(TEST_KEY),
          ...options,
        });
      },
      async cleanup() {
        const client = new MongoClient(url);
        await client.connect();
        await client
          .db(dbName)
          .dropDatabase()
          .catch(() => {});
        await client.close();
      },
    };
  });
});

/**
 * FerretDB's SQLite handler pushes no filter down to an index, so index use can only be seen with
 * explain() on a real MongoDB (MONGODB_URL). Here: the index the search filters rely on exists
 * (the filter shapes are asserted in src/store/mongo/compile-search.test.ts).
 */
describe('mongo search index', () => {
  let client: MongoClient;
  const dbName = `gw_search_idx_${randomUUID().slice(0, 8)}`;
  beforeAll(async () => {
    const { url } = await serverOnce();
    const store = await openMongoStore(url, {
      dbName,
      maxResourceBytes: 1 << 20,
      secretBox: createSecretBox(TEST_KEY),
    });
    await store.close();
    client = new MongoClient(url);
    await client.connect();
  });
  afterAll(async () => {
    await client
      ?.db(dbName)
      .dropDatabase()
      .catch(() => {});
    await client?.close();
  });

  it('has the multikey index {tenant, type, ik} on current resources', async () => {
    const indexes = await client.db(dbName).collection('resources').listIndexes().toArray();
    expect(indexes.map((index) => index.key)).toContainEqual({ tenant: 1, type: 1, ik: 1 });
  });
});
