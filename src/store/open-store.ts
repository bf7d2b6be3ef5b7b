import type { Config } from '../config/load-config.ts';
import { openMongoStore } from './mongo/open-mongo-store.ts';
import type { Store } from './port.ts';
import { createSecretBox, type Keyring } from './secret-box.ts';
import { openSqliteStore } from './sqlite/open-sqlite-store.ts';
import type { StoreOptions } from './store-options.ts';

/** Opens the store the configuration names. */
export async function openStore(
  config: Pick<Config, 'STORE' | 'SQLITE_PATH' | 'MONGODB_URL' | 'MAX_RESOURCE_BYTES'>,
  keys: Keyring,
  extra: Pick<StoreOptions, 'indexer'> = {},
): Promise<Store> {
  const options = {
    maxResourceBytes: config.MAX_RESOURCE_BYTES,
    secretBox: createSecretBox(keys),
    ...extra,
  };
  if (config.STORE === 'mongo') {
    if (!config.MONGODB_URL) throw new Error('MONGODB_URL: required when STORE=mongo');
    return openMongoStore(config.MONGODB_URL, options);
  }
  return openSqliteStore(config.SQLITE_PATH, options);
}
