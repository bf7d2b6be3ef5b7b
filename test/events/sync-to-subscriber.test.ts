import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityScheme } from '../../src/fhir/identity.ts';
import { loadMappingSet } from '../../src/mapping/load-mapping-set.ts';
import { loadMappingDefinitions } from '../../src/mapping/mapping-definitions.ts';
import { writeMappingDir } from '../../src/mapping/test-support.ts';
import { createOperationsView, type OperationsView } from '../../src/sync/operations-view.ts';
import { createSyncEngine, type SyncEngine } from '../../src/sync/sync-engine.ts';
import { postQuery, sseSubscribe, statusCursor } from '../support/subscription-clients.ts';
import { startTestSource, type TestSource, testConnector, testRow } from '../sync/test-source.ts';
import {
  CHANGES,
  eventsOf,
  type SubscriptionGateway,
  startSubscriptionGateway,
} from './subscription-harness.ts';

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

let gw: SubscriptionGateway;
let source: TestSource;
let engine: SyncEngine;
let view: OperationsView | undefined;
let key: string;
beforeAll(async () => {
  source = await startTestSource();
  gw = await startSubscriptionGateway({
    // The operations view needs the engine, which needs the gateway's store: bound once built.
    feed: { syncView: { connections: (tenant) => view?.connections(tenant) ?? Promise.resolve([]) } },
  });
  key = await gw.keyFor('acme', ['read', 'subscribe']);
  await gw.store.connections.put({ tenant: 'acme', id: 'dc-1', source: 'drchrono', config: {} }, {});
  const connectors = [
    testConnector(
      source,
      [testRow('patients', { triggers: ['drchrono.patient.new_or_updated'] }), testRow('offices')],
      [
        {
          id: 'drchrono.patient.new_or_updated',
          source: 'drchrono',
          seedName: 'New or Updated Patients',
          row: 'patients',
          resourceType: 'Patient',
          kinds: ['created', 'updated'],
        },
      ],
    ),
  ];
  engine = createSyncEngine({
    store: gw.store,
    mappings,
    log: pino({ level: 'silent' }),
    holder: 'p1',
    connectors,
  });
  view = createOperationsView({ store: gw.store, engine, connectors });
});
afterAll(async () => {
  await engine?.stop();
  await gw?.close();
  await source?.close();
});

async function connectionStatus() {
  const status = await postQuery(
    gw.url,
    key,
    '{ feedStatus { connections { connection source state lagSeconds backfilling lastError { code } } } }',
  );
  expect(status.errors).toBeUndefined();
  return ((status.data?.feedStatus ?? {}) as { connections: Array<Record<string, unknown>> }).connections;
}

describe('from a source poll to a subscriber', () => {
  it('delivers what the sync engine commits, trigger-tagged, with backfill marked; feedStatus shows lag and errors', async () => {
    const after = await statusCursor(gw.url, key);
    const sub = sseSubscribe(gw.url, key, CHANGES, { after, filter: { sources: ['drchrono'] } });
    source.put('patients', { id: 1, gender: 'female' });
    source.failNext('offices', 1, 500);
    await engine.runOnce('acme', 'dc-1');
    await sub.waitFor(0);
    // The offices row failed its first poll: never completed, so its lag is unknown and the error shows.
    expect(await connectionStatus()).toEqual([
      {
        connection: 'dc-1',
        source: 'drchrono',
        state: 'error',
        lagSeconds: null,
        backfilling: true,
        lastError: { code: 'unavailable' },
      },
    ]);
    source.put('patients', { id: 1, gender: 'male' });
    await engine.runOnce('acme', 'dc-1');
    await sub.waitFor(1);
    sub.close();
    const events = eventsOf(sub.results).map(
      (e) =>
        e as unknown as {
          id: string;
          kind: string;
          triggers: string[];
          backfill: boolean;
          connection: string;
        },
    );
    expect(events.map((x) => [x.kind, x.triggers, x.backfill, x.connection])).toEqual([
      ['created', ['drchrono.patient.new_or_updated'], true, 'dc-1'],
      ['updated', ['drchrono.patient.new_or_updated'], false, 'dc-1'],
    ]);
    // The same resource (its gateway id, not the native one).
    expect(events[1]?.id).toBe(events[0]?.id);
    const [after2] = await connectionStatus();
    expect(after2).toMatchObject({ backfilling: false, lastError: { code: 'unavailable' } });
    expect(after2?.lagSeconds).toBeGreaterThanOrEqual(0);
  });
});
