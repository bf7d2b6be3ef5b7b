import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { connectDemoClinics, DEMO_TENANT } from '../../src/demo/connect-demo-clinics.ts';
import { startDrChronoSimulator } from '../../src/simulators/drchrono/index.ts';
import { startEpicSimulator } from '../../src/simulators/epic/index.ts';
import { startJaneSimulator } from '../../src/simulators/jane/index.ts';
import type { RunningSimulator } from '../../src/simulators/types.ts';
import type { Store } from '../../src/store/port.ts';
import { drain, memoryStore, rowOf, silentLog, testConnectors } from './helpers.ts';

describe('demo connections: the three simulated clinics through real OAuth', () => {
  let sims: RunningSimulator[];
  let store: Store;
  let gateway: Server;
  let gatewayUrl: string;

  beforeAll(async () => {
    sims = [
      await startJaneSimulator({ seed: 1, patients: 8 }),
      await startDrChronoSimulator({ seed: 2, patients: 8 }),
      await startEpicSimulator({ seed: 3, patients: 8, bulkPollsBeforeComplete: 0 }),
    ];
    store = memoryStore();
    gateway = createServer(createApp({ store, log: silentLog }).handle);
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    gateway.closeAllConnections();
    gateway.close();
    await Promise.all(sims.map((s) => s.close()));
    await store.close();
  });

  it('gives tenant demo one working connection per simulator, and reconnecting keeps one each', async () => {
    const first = await connectDemoClinics({ store, log: silentLog, gatewayUrl, simulators: sims });
    expect(first.map((c) => c.source).sort()).toEqual(['drchrono', 'epic', 'jane']);
    const again = await connectDemoClinics({ store, log: silentLog, gatewayUrl, simulators: sims });
    const listed = await store.connections.list(DEMO_TENANT);
    expect(listed).toHaveLength(3);
    // The Epic key pair survives a restart (Epic trusts the published key).
    expect(again.find((c) => c.source === 'epic')?.config.keys).toEqual(
      first.find((c) => c.source === 'epic')?.config.keys,
    );
    const secrets = await store.connections.secrets(DEMO_TENANT, 'jane-demo');
    expect(secrets.refreshToken).toBeTruthy();
    expect(JSON.stringify(listed)).not.toContain(secrets.refreshToken);

    const connectors = testConnectors(store);
    const patientRow = { jane: 'patients', drchrono: 'patients', epic: 'Patient' } as const;
    for (const connection of listed) {
      const connector = connectors[connection.source];
      const session = await connector.open(connection);
      const polled = await drain(session, rowOf(connector.catalog, patientRow[connection.source]));
      expect(polled.records.length, connection.source).toBeGreaterThanOrEqual(8);
    }
  });
});
