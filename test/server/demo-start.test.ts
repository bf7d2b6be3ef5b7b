import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ferretdb.ts';

const main = join(import.meta.dirname, '../../src/main.ts');
const dataDir = mkdtempSync(join(tmpdir(), 'gw-demo-'));
const offDir = mkdtempSync(join(tmpdir(), 'gw-nodemo-'));
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(offDir, { recursive: true, force: true });
});

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
  const deadline = Date.now() + 60_000; // start-up builds the FHIR schema: slow on a loaded machine
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

      // The demo key: printed at start, kept in $DATA_DIR/demo-api-key, and it opens /graphql.
      const key = readFileSync(join(dataDir, 'demo-api-key'), 'utf8').trim();
      expect(gw.logs()).toContain(`demo mode: API key ${key}`);
      // The line also says where the key is kept and where GraphiQL is (not redacted).
      const keyLine = JSON.parse(
        gw
          .logs()
          .split('\n')
          .find((line) => line.includes('demo mode: API key')) ?? '{}',
      ) as Record<string, unknown>;
      expect(keyLine).toMatchObject({
        keyFile: join(dataDir, 'demo-api-key'),
        graphiql: `${gw.base}/graphql`,
      });
      // The published definitions are served by the started gateway, without a key.
      const metadata = await fetch(`${gw.base}/fhir/metadata`);
      expect(metadata.status).toBe(200);
      expect(((await metadata.json()) as { resourceType: string }).resourceType).toBe('CapabilityStatement');
      const graphql = await fetch(`${gw.base}/graphql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ PatientConnection(_count: 1) { edges { resource { id } } } }' }),
      });
      expect(await graphql.json()).toMatchObject({
        data: { PatientConnection: { edges: expect.any(Array) } },
      });
      const graphiql = await fetch(`${gw.base}/graphql`, { headers: { accept: 'text/html' } });
      expect(graphiql.status).toBe(200);
      expect(await graphiql.text()).toContain(key);
    } finally {
      gw.child.kill('SIGTERM');
      expect(await gw.exited).toBe(0);
    }
  }, 90_000);

  it('shuts down cleanly on SIGTERM while the demo clinics are still connecting', async () => {
    const gw = await startGateway({ DATA_DIR: mkdtempSync(join(tmpdir(), 'gw-early-')) });
    // 'gateway listening' is logged before the clinics connect (OAuth round trips): the signal
    // lands in that window (before the fix it killed the process: exit code null).
    gw.child.kill('SIGTERM');
    expect(await gw.exited).toBe(0);
    expect(gw.logs()).toContain('shutting down');
  }, 90_000);

  it('refuses to start on bad configuration, naming every bad variable, with exit code 2', async () => {
    const gw = await startGateway({ STORE: 'mongo', PORT_EXTRA: 'x', DEMO: 'maybe' });
    expect(await gw.exited).toBe(2);
    expect(gw.logs()).toContain('MONGODB_URL: required when STORE=mongo');
    expect(gw.logs()).toContain('DEMO:');
  });

  it('starts without demo clinics when DEMO=off', async () => {
    const gw = await startGateway({ DEMO: 'off', DATA_DIR: offDir });
    try {
      const index = (await (await fetch(`${gw.base}/`)).json()) as { demo: unknown[] };
      expect(index.demo).toEqual([]);
      expect(gw.logs()).not.toContain('DEMO MODE');
      expect(gw.logs()).not.toContain('API key');
      expect(existsSync(join(offDir, 'demo-api-key'))).toBe(false);
      // Outside demo mode GraphiQL and every query need a key.
      expect((await fetch(`${gw.base}/graphql`, { headers: { accept: 'text/html' } })).status).toBe(401);
    } finally {
      gw.child.kill('SIGTERM');
      await gw.exited;
    }
  }, 90_000);
});
