import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { createIdentityScheme } from '../../src/fhir/identity.ts';
import { loadMappingSet } from '../../src/mapping/load-mapping-set.ts';
import { loadMappingDefinitions } from '../../src/mapping/mapping-definitions.ts';
import { writeMappingDir } from '../../src/mapping/test-support.ts';
import type { Store } from '../../src/store/port.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { createOperationsView } from '../../src/sync/operations-view.ts';
import { createSyncEngine } from '../../src/sync/sync-engine.ts';
import { createSyncMetrics } from '../../src/sync/sync-metrics.ts';
import { startTestSource, type TestSource, testConnector, testRow } from './test-source.ts';

const mappings = loadMappingSet({
  dir: writeMappingDir({
    'drchrono/patient.yaml':
      'source: drchrono\nentity: patients\ntarget: Patient\nid: "=id.toString()"\ntemplate:\n  gender: "=gender"\n',
    'drchrono/office.yaml':
      'source: drchrono\nentity: offices\ntarget: Location\nid: "=id.toString()"\ntemplate:\n  name: "=name"\n',
  }),
  defs: loadMappingDefinitions(),
  scheme: createIdentityScheme(),
});

describe('operations view and /metrics', () => {
  let store: Store;
  let source: TestSource;
  beforeEach(async () => {
    store = openSqliteStore(':memory:', {
      maxResourceBytes: 1 << 20,
      secretBox: createSecretBox(Buffer.alloc(32)),
    });
    await store.tenants.ensure('acme');
    await store.tenants.ensure('other');
    source = await startTestSource();
    await store.connections.put({ tenant: 'acme', id: 'dc-1', source: 'drchrono', config: {} }, {});
    await store.connections.put({ tenant: 'other', id: 'dc-1', source: 'drchrono', config: {} }, {});
  });
  afterEach(async () => {
    await source.close();
    await store.close();
  });

  it('shows state, per-row last success and lag, requests against budget, quarantine and the last error, per tenant', async () => {
    source.put('patients', { id: 1, gender: 'female' });
    source.put('patients', { id: 2, gender: 'not-a-gender' });
    source.failNext('offices', 1, 500);
    const connectors = [testConnector(source, [testRow('patients'), testRow('offices')], [])];
    const engine = createSyncEngine({
      store,
      mappings,
      log: pino({ level: 'silent' }),
      holder: 'p1',
      connectors,
    });
    let clock = Date.now();
    const view = createOperationsView({ store, engine, connectors, now: () => clock });
    try {
      expect((await view.connection('acme', 'dc-1'))?.state).toBe('not_scheduled');
      await engine.runOnce('acme', 'dc-1');
      clock = Date.now() + 90_000;
      const ops = await view.connection('acme', 'dc-1');
      expect(ops).toMatchObject({
        tenant: 'acme',
        connection: 'dc-1',
        source: 'drchrono',
        state: 'error',
        cadence: '0 */5 * * * *',
        leaseHolder: 'p1',
        requests: [{ window: '1h', used: 0, limit: 500 }],
        quarantined: 1,
        lastError: { code: 'unavailable' },
      });
      const [patients, offices] = ops?.rows ?? [];
      expect(patients).toMatchObject({ row: 'patients', backfilling: false, lastError: undefined });
      expect(patients?.lagSeconds).toBeGreaterThanOrEqual(90);
      expect(offices).toMatchObject({ row: 'offices', lastSuccessAt: undefined, backfilling: true });
      // The other tenant's connection of the same id shares nothing.
      const other = await view.connections('other');
      expect(other).toHaveLength(1);
      expect(other[0]).toMatchObject({ state: 'not_scheduled', quarantined: 0, leaseHolder: undefined });
      expect(other[0]?.rows.every((row) => row.lastSuccessAt === undefined)).toBe(true);
    } finally {
      await engine.stop();
    }
  });

  it('serves Prometheus metrics at /metrics', async () => {
    source.put('patients', { id: 1, gender: 'female' });
    source.put('patients', { id: 2, gender: 'male' });
    const connectors = [testConnector(source, [testRow('patients')], [])];
    const registry = new Registry();
    let metrics: ReturnType<typeof createSyncMetrics> | undefined;
    const engine = createSyncEngine({
      store,
      mappings,
      log: pino({ level: 'silent' }),
      holder: 'p1',
      connectors,
      onPage: (event) => metrics?.onPage(event),
      onRun: (connection, run) => metrics?.onRun(connection, run),
    });
    const view = createOperationsView({ store, engine, connectors });
    metrics = createSyncMetrics({ registry, store, view });
    const sync = metrics;
    const app = createApp({
      store,
      log: pino({ level: 'silent' }),
      metrics: { registry, refresh: () => sync.refresh() },
    });
    const server = createServer(app.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await engine.runOnce('acme', 'dc-1');
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      const text = await res.text();
      expect(text).toContain(
        'gateway_sync_records_total{tenant="acme",connection="dc-1",row="patients",outcome="created",backfill="true"} 2',
      );
      expect(text).toContain(
        'gateway_sync_runs_total{tenant="acme",connection="dc-1",outcome="completed"} 1',
      );
      expect(text).toContain('gateway_connection_state{tenant="acme",connection="dc-1",state="idle"} 1');
      expect(text).toContain(
        'gateway_connector_requests_limit{tenant="acme",connection="dc-1",window="1h"} 500',
      );
      expect(text).toContain(
        'gateway_sync_row_backfilling{tenant="acme",connection="dc-1",row="patients"} 0',
      );
      expect(text).toContain(
        'gateway_connection_state{tenant="other",connection="dc-1",state="not_scheduled"} 1',
      );
    } finally {
      server.close();
      await engine.stop();
    }
  });
});
