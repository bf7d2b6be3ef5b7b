import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load-config.ts';

describe('loadConfig', () => {
  it('needs nothing: embedded store under ./data', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      STORE: 'sqlite',
      PORT: 4000,
      SQLITE_PATH: 'data/gateway.db',
      NODE_ENV: 'development',
    });
  });

  it('reports every problem at once, each with its variable name', () => {
    const err = (() => {
      try {
        loadConfig({ STORE: 'postgres', PORT: 'eighty', DATA_ENCRYPTION_KEY: 'short', LOG_LEVEL: 'loud' });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    const vars = err?.problems.map((p) => p.split(':')[0]);
    expect(vars).toEqual(expect.arrayContaining(['STORE', 'PORT', 'LOG_LEVEL']));
    expect(err?.message).toContain('PORT');
  });

  it('reads the sync lease TTL (default 2 min) and refuses one under a second', () => {
    expect(loadConfig({}).SYNC_LEASE_TTL_MS).toBe(120_000);
    expect(loadConfig({ SYNC_LEASE_TTL_MS: '30000' }).SYNC_LEASE_TTL_MS).toBe(30_000);
    expect(() => loadConfig({ SYNC_LEASE_TTL_MS: '10' })).toThrow(/SYNC_LEASE_TTL_MS/);
  });

  it('reports rules between variables together with single-field errors', () => {
    expect(() => loadConfig({ STORE: 'mongo', PORT: 'x', NODE_ENV: 'production' })).toThrow(
      /PORT:[\s\S]*MONGODB_URL: required when STORE=mongo[\s\S]*DATA_ENCRYPTION_KEY: required in production/,
    );
  });

  it('requires MONGODB_URL for the mongo store and an explicit key in production', () => {
    expect(() => loadConfig({ STORE: 'mongo' })).toThrow(/MONGODB_URL: required when STORE=mongo/);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /DATA_ENCRYPTION_KEY: required in production/,
    );
    expect(() => loadConfig({ STORE: 'mongo', MONGODB_URL: 'http://x' })).toThrow(
      /MONGODB_URL: must be a mongodb/,
    );
    const key = Buffer.alloc(32, 1).toString('base64');
    expect(loadConfig({ NODE_ENV: 'production', DATA_ENCRYPTION_KEY: key }).NODE_ENV).toBe('production');
    expect(() => loadConfig({ DATA_ENCRYPTION_KEY: Buffer.alloc(16).toString('hex') })).toThrow(/32 bytes/);
  });

  it('reads an optional JSON file, the environment winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'gateway.json');
    writeFileSync(file, JSON.stringify({ PORT: 5000, LOG_LEVEL: 'debug' }));
    expect(loadConfig({ CONFIG_FILE: file, LOG_LEVEL: 'warn' })).toMatchObject({
      PORT: 5000,
      LOG_LEVEL: 'warn',
    });
    writeFileSync(file, '[1,2]');
    expect(() => loadConfig({ CONFIG_FILE: file })).toThrow(/CONFIG_FILE: .* is not a JSON object/);
    expect(() => loadConfig({ CONFIG_FILE: join(dir, 'missing.json') })).toThrow(/CONFIG_FILE: cannot read/);
  });

  it('checks every entry of DATA_ENCRYPTION_KEYS_PREVIOUS and reports positions, never the values', () => {
    const good = Buffer.alloc(32, 1).toString('hex');
    expect(
      loadConfig({ DATA_ENCRYPTION_KEYS_PREVIOUS: `${good}, ${good}` }).DATA_ENCRYPTION_KEYS_PREVIOUS,
    ).toBe(`${good}, ${good}`);
    const err = (() => {
      try {
        loadConfig({ DATA_ENCRYPTION_KEYS_PREVIOUS: `${good},leaky-value,${good},x` });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toContain('DATA_ENCRYPTION_KEYS_PREVIOUS: entries 2, 4 are not 32-byte keys');
    expect(err?.message).not.toContain('leaky-value');
  });
});
