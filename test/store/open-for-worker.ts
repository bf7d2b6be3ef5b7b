import { openMongoStore } from '../../src/store/mongo/open-mongo-store.ts';
import type { Store } from '../../src/store/port.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { TEST_KEY, type WorkerTarget } from './harness.ts';

export async function openForWorker(target: WorkerTarget): Promise<Store> {
  const options = { maxResourceBytes: 1024 * 1024, secretBox: createSecretBox(TEST_KEY) };
  return target.kind === 'sqlite'
    ? openSqliteStore(target.path, options)
    : openMongoStore(target.url, { ...options, dbName: target.dbName });
}
