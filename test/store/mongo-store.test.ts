import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { describe } from 'vitest';
import { deriveCursorKey } from '../../src/store/cursor-sealer.ts';
import { openMongoStore } from '../../src/store/mongo/open-mongo-store.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { mongoForTests } from '../support/mongo-for-tests.ts';
import { storeContract } from './contract.ts';
import { TEST_KEY } from './harness.ts';

describe('mongo store contract', () => {
  storeContract(async () => {
    const server = await mongoForTests();
    const dbName = `gw_test_${randomUUID().slice(0, 8)}`;
    const client = new MongoClient(server.url);
    await client.connect();
    return {
      name: 'mongo',
      async open(o) {
        return openMongoStore(server.url, {
          dbName,
          maxResourceBytes: o?.maxResourceBytes ?? 1024 * 1024,
          secretBox: createSecretBox(o?.key ?? TEST_KEY),
          cursorKey: deriveCursorKey(o?.key ?? TEST_KEY),
          ...(o?.now ? { now: o.now } : {}),
        });
      },
      async rawSecrets(tenant, id) {
        const doc = await client
          .db(dbName)
          .collection<{ _id: string; secrets: string }>('connections')
          .findOne({ tenant, id });
        return doc?.secrets ?? '';
      },
      workerTarget: { kind: 'mongo', url: server.url, dbName },
      async cleanup() {
        await client
          .db(dbName)
          .dropDatabase()
          .catch(() => {});
        await client.close();
        await server.stop();
      },
    };
  });
});
