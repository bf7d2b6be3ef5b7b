import { hkdfSync } from 'node:crypto';
import type { Config } from '../config/load-config.ts';
import { deriveCursorKey } from './cursor-sealer.ts';
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
    // A separate key for a separate purpose, the same in every process that shares the key.
    changeCursorKey: Buffer.from(hkdfSync('sha256', keys.current, '', 'fhir-gateway change-log cursors', 32)),
    // From the current key: cursors are short-lived, a rotation only makes clients start over.
    cursorKey: deriveCursorKey(keys.current),
  };
  if (config.STORE === 'mongo') {
    if (!config.MONGODB_URL) throw new Error('MONGODB_URL: required when STORE=mongo');
    return openMongoStore(config.MONGODB_URL, options);
  }
  return openSqliteStore(config.SQLITE_PATH, options);
}
