import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveEncryptionKey, resolveKeyring } from './encryption-key.ts';

const silent = () => {
  const warnings: string[] = [];
  return { warnings, log: { warn: (_o: unknown, msg: string) => warnings.push(msg) } as never };
};

describe('resolveEncryptionKey', () => {
  it('generates a key into the data directory on first start, with a warning, and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'key-'));
    const { warnings, log } = silent();
    const first = resolveEncryptionKey({ DATA_DIR: dir, NODE_ENV: 'development' }, log);
    expect(first).toHaveLength(32);
    expect(warnings).toHaveLength(1);
    const file = join(dir, 'data-encryption.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = resolveEncryptionKey({ DATA_DIR: dir, NODE_ENV: 'development' }, log);
    expect(again.equals(first)).toBe(true);
    expect(warnings).toHaveLength(1);
  });

  it('uses DATA_ENCRYPTION_KEY when given and never writes a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'key-'));
    const key = Buffer.alloc(32, 3);
    const got = resolveEncryptionKey(
      { DATA_DIR: dir, NODE_ENV: 'production', DATA_ENCRYPTION_KEY: key.toString('hex') },
      silent().log,
    );
    expect(got.equals(key)).toBe(true);
    expect(existsSync(join(dir, 'data-encryption.key'))).toBe(false);
  });

  it('refuses production without a key and a corrupted key file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'key-'));
    expect(() => resolveEncryptionKey({ DATA_DIR: dir, NODE_ENV: 'production' }, silent().log)).toThrow(
      /required in production/,
    );
    writeFileSync(join(dir, 'data-encryption.key'), 'garbage');
    expect(() => resolveEncryptionKey({ DATA_DIR: dir, NODE_ENV: 'development' }, silent().log)).toThrow(
      /not a 32-byte/,
    );
    expect(readFileSync(join(dir, 'data-encryption.key'), 'utf8')).toBe('garbage');
  });

  it('builds a keyring from DATA_ENCRYPTION_KEYS_PREVIOUS (any encoding, blanks and the current key dropped)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'key-'));
    const current = Buffer.alloc(32, 4);
    const old1 = Buffer.alloc(32, 5);
    const old2 = Buffer.alloc(32, 6);
    const ring = resolveKeyring(
      {
        DATA_DIR: dir,
        NODE_ENV: 'production',
        DATA_ENCRYPTION_KEY: current.toString('base64'),
        DATA_ENCRYPTION_KEYS_PREVIOUS: ` ${old1.toString('hex')},,${old2.toString('base64url')},${current.toString('hex')},${old1.toString('base64')}`,
      },
      silent().log,
    );
    expect(ring.current.equals(current)).toBe(true);
    expect(ring.previous?.map((k) => k[0])).toEqual([5, 6]);
    expect(() =>
      resolveKeyring(
        {
          DATA_DIR: dir,
          NODE_ENV: 'production',
          DATA_ENCRYPTION_KEY: current.toString('hex'),
          DATA_ENCRYPTION_KEYS_PREVIOUS: 'nope',
        },
        silent().log,
      ),
    ).toThrow(/entry 1 is not a 32-byte key/);
  });
});
