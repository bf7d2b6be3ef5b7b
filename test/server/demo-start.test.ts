import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ferretdb.ts';

const main = join(import.meta.dirname, '../../src/main.ts');
const dataDir = mkdtempSync(join(tmpdir(), 'gw-demo-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Starts `node src/main.ts` with only the given environment, as `npm start` does. */
async function startGateway(env: Record<string, string>) {
  const port = await freePort();
  const child = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  child.stdout.on('data', (d: Buffer) => {
    logs += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    logs += d.toString();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  const deadline = Date.now() + 20_000;
  while (!logs.includes('gateway listening') && child.exitCode === null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  return { base: `http://127.0.0.1:${port}`, child, exited, logs: () => logs };
}

describe('npm start', () => {
  it('with no configuration runs on the embedded store with three simulated clinics, logged as demo mode', async () => {
    const gw = await startGateway({});
    try {
      expect(gw.logs()).toContain('DEMO MODE');
      const index = (await (await fetch(`${gw.base}/`)).json()) as {
        demo: Array<{ source: string; url: string }>;
      };
      expect(index.demo.map((d) => d.source)).toEqual(['jane', 'drchrono', 'epic']);
      for (const sim of index.demo) {
        const tick = await fetch(`${sim.url}/_admin/tick?count=2`, { method: 'POST' });
        expect(tick.status).toBe(200);
      }
      const ready = (await (await fetch(`${gw.base}/readyz`)).json()) as { store: { kind: string } };
      expect(ready.store.kind).toBe('sqlite');
    } finally {
      gw.child.kill('SIGTERM');
      expect(await gw.exited).toBe(0);
    }
  }, 40_000);

  it('refuses to start on bad configuration, naming every bad variable, with exit code 2', async () => {
    const gw = await startGateway({ STORE: 'mongo', PORT_EXTRA: 'x', DEMO: 'maybe' });
    expect(await gw.exited).toBe(2);
    expect(gw.logs()).toContain('MONGODB_URL: required when STORE=mongo');
    expect(gw.logs()).toContain('DEMO:');
  });

  it('starts without demo clinics when DEMO=off', async () => {
    const gw = await startGateway({ DEMO: 'off' });
    try {
      const index = (await (await fetch(`${gw.base}/`)).json()) as { demo: unknown[] };
      expect(index.demo).toEqual([]);
      expect(gw.logs()).not.toContain('DEMO MODE');
    } finally {
      gw.child.kill('SIGTERM');
      await gw.exited;
    }
  }, 40_000);
});
