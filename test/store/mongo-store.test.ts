import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { describe } from 'vitest';
import { deriveCursorKey } from '../../src/store/cursor-sealer.ts';
import { openMongoStore } from '../../src/store/mongo/open-mongo-store.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { mongoForTests } from '../support/mongo-for-tests.ts';
import { storeContract } from './contract.ts';
import { currentKey, TEST_KEY } from './harness.ts';

describe('mongo store contract', () => {
  storeContract(async () => {
    const server = await mongoForTests();
    const dbName = `gw_test_${randomUUID().slice(0, 8)}`;
    const client = new MongoClient(server.url);
    await client.connect();
    const sealedSecrets = () =>
      client
        .db(dbName)
        .collection<{ kind: string; tenant: string; name: string; rev: number; sealed: string }>(
          'sealed_secrets',
        );
    const latestSealed = async (kind: string, tenant: string, name: string) =>
      (await sealedSecrets().find({ kind, tenant, name }).sort({ rev: -1 }).limit(1).toArray())[0];
    return {
      name: 'mongo',
      async open(o) {
        return openMongoStore(server.url, {
          dbName,
          maxResourceBytes: o?.maxResourceBytes ?? 1024 * 1024,
          secretBox: createSecretBox(o?.key ?? TEST_KEY),
          cursorKey: deriveCursorKey(currentKey(o?.key ?? TEST_KEY)),
          ...(o?.now ? { now: o.now } : {}),
        });
      },
      async rawSecrets(tenant, id) {
        return (await latestSealed('connection', tenant, id))?.sealed ?? '';
      },
      async writeRawSecrets(tenant, id, sealed) {
        const doc = await latestSealed('connection', tenant, id);
        await sealedSecrets().updateOne({ _id: doc?._id }, { $set: { sealed } });
      },
      async writeLegacySecrets(tenant, id, sealed) {
        // The old layout: secrets on the connection document, no sealed revisions.
        await client
          .db(dbName)
          .collection('connections')
          .updateOne({ tenant, id }, { $set: { secrets: sealed } });
        await sealedSecrets().deleteMany({ kind: 'connection', tenant, name: id });
      },
      async rawTenantSecret(tenant, name) {
        return (await latestSealed('tenant-secret', tenant, name))?.sealed ?? '';
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
