import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSupportedNode } from '../../src/node-version.mjs';

const entry = join(import.meta.dirname, '../../src/start.mjs');

describe('npm start on a bad setup: one clear line and a non-zero exit', () => {
  it('knows which Node versions can run the gateway', () => {
    expect(isSupportedNode('22.18.0')).toBe(true);
    expect(isSupportedNode('v24.1.0')).toBe(true);
    expect(isSupportedNode('22.17.1')).toBe(false);
    expect(isSupportedNode('20.20.2')).toBe(false);
  });

  it('an older Node gets one line naming the version needed, before any .ts is loaded', () => {
    // Node 24 made to report an old version before the entry runs.
    const fake = 'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"20.11.1"})';
    const run = spawnSync(process.execPath, ['--import', fake, entry], { encoding: 'utf8', timeout: 20_000 });
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/needs Node\.js 22\.18 or newer.*this is Node 20\.11\.1/);
  });

  it('an unreachable MongoDB gets one line naming the host (no credentials, no stack)', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gw-start-'));
    const run = spawnSync(process.execPath, [entry], {
      encoding: 'utf8',
      timeout: 30_000,
      env: {
        ...process.env,
        STORE: 'mongo',
        MONGODB_URL: 'mongodb://admin:s3cret@127.0.0.1:1/gw',
        DEMO: 'off',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        NODE_ENV: 'development',
      },
    });
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^cannot reach MongoDB at mongodb:\/\/127\.0\.0\.1:1 .*STORE=sqlite/);
    expect(run.stderr).not.toContain('s3cret');
  });
});
