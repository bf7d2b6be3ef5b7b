import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Keyring } from '../store/secret-box.ts';
import { decodeKey, splitKeyList } from './config-schema.ts';

const KEY_FILE = 'data-encryption.key';

/**
 * The data-encryption key for secrets at rest: from DATA_ENCRYPTION_KEY, or (outside
 * production) from `<DATA_DIR>/data-encryption.key`, generated there on first start with a
 * warning. Production refuses to start without an explicit key (checked in the config schema).
 */
export function resolveEncryptionKey(
  config: { DATA_ENCRYPTION_KEY?: string | undefined; DATA_DIR: string; NODE_ENV: string },
  log: Pick<Logger, 'warn'>,
): Buffer {
  if (config.DATA_ENCRYPTION_KEY) {
    const key = decodeKey(config.DATA_ENCRYPTION_KEY);
    if (!key) throw new Error('DATA_ENCRYPTION_KEY: must be 32 bytes encoded as base64 or hex');
    return key;
  }
  if (config.NODE_ENV === 'production') throw new Error('DATA_ENCRYPTION_KEY: required in production');
  const path = join(config.DATA_DIR, KEY_FILE);
  if (existsSync(path)) {
    const key = decodeKey(readFileSync(path, 'utf8'));
    if (!key)
      throw new Error(
        `${path}: not a 32-byte base64 key; remove it to generate a new one (secrets stored with the old key are lost)`,
      );
    return key;
  }
  mkdirSync(config.DATA_DIR, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  log.warn(
    { path },
    'generated a data-encryption key for secrets at rest; back it up, and set DATA_ENCRYPTION_KEY explicitly in production',
  );
  return key;
}

/**
 * The keyring: the current key (as resolveEncryptionKey) plus DATA_ENCRYPTION_KEYS_PREVIOUS,
 * which only open secrets sealed before a rotation. The current key is never listed twice.
 */
export function resolveKeyring(
  config: {
    DATA_ENCRYPTION_KEY?: string | undefined;
    DATA_ENCRYPTION_KEYS_PREVIOUS?: string | undefined;
    DATA_DIR: string;
    NODE_ENV: string;
  },
  log: Pick<Logger, 'warn'>,
): Keyring {
  const current = resolveEncryptionKey(config, log);
  const previous: Buffer[] = [];
  for (const [i, text] of splitKeyList(config.DATA_ENCRYPTION_KEYS_PREVIOUS ?? '').entries()) {
    const key = decodeKey(text);
    if (!key) throw new Error(`DATA_ENCRYPTION_KEYS_PREVIOUS: entry ${i + 1} is not a 32-byte key`);
    if (!key.equals(current) && !previous.some((k) => k.equals(key))) previous.push(key);
  }
  return { current, previous };
}
