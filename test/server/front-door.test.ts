import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { connectDemoClinics } from '../../src/demo/connect-demo-clinics.ts';
import { createConnectSeal } from '../../src/server/connect/connect-seal.ts';
import { startDrChronoSimulator } from '../../src/simulators/drchrono/index.ts';
import { startEpicSimulator } from '../../src/simulators/epic/index.ts';
import { startJaneSimulator } from '../../src/simulators/jane/index.ts';
import type { RunningSimulator } from '../../src/simulators/types.ts';
import type { Store } from '../../src/store/port.ts';
import { memoryStore, silentLog } from '../connectors/helpers.ts';

describe('the front door (/)', () => {
  let sims: RunningSimulator[];
  let store: Store;
  let gateway: Server;
  let base: string;

  beforeAll(async () => {
    sims = [
      await startJaneSimulator({ seed: 1, patients: 2 }),
      await startDrChronoSimulator({ seed: 2, patients: 2 }),
      await startEpicSimulator({ seed: 3, patients: 2 }),
    ];
    store = memoryStore();
    gateway = createServer(
      createApp({ store, log: silentLog, demo: sims, connectSeal: createConnectSeal(Buffer.alloc(32, 1)) })
        .handle,
    );
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    await connectDemoClinics({ store, log: silentLog, gatewayUrl: base, simulators: sims });
  });
  afterAll(async () => {
    gateway.closeAllConnections();
    gateway.close();
    await Promise.all(sims.map((s) => s.close()));
    await store.close();
  });

  it('says in JSON what runs, what is connected and where to look, with demo credentials', async () => {
    const index = (await (await fetch(`${base}/`)).json()) as {
      demoMode: boolean;
      graphql: string;
      routes: { path: string }[];
      connections: { id: string; source: string; state: string }[];
      demo: { source: string; api: string; auth: Record<string, string> }[];
    };
    expect(index.demoMode).toBe(true);
    expect(index.graphql).toBe('not built yet');
    expect(index.routes.map((r) => r.path)).toEqual(
      expect.arrayContaining(['/healthz', '/readyz', '/.well-known/jwks.json', '/connect']),
    );
    expect(index.connections.map((c) => `${c.source}:${c.state}`).sort()).toEqual([
      'drchrono:active',
      'epic:active',
      'jane:active',
    ]);
    expect(index.demo.map((d) => d.source)).toEqual(['jane', 'drchrono', 'epic']);
    expect(index.demo[0]?.auth.client_secret).toBeTruthy();
    // Tokens are never shown: only the simulators' synthetic client credentials.
    const secrets = await store.connections.secrets('demo', 'jane-demo');
    expect(JSON.stringify(index)).not.toContain(secrets.accessToken);
  });

  it('answers a browser with an HTML page', async () => {
    const res = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
    expect(res.headers.get('content-type')).toContain('text/html');
    const page = await res.text();
    expect(page).toContain('DEMO MODE');
    expect(page).toContain('jane-demo');
    expect(page).toContain('/_admin/counters');
  });
});
