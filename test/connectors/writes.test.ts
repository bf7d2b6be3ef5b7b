import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { ensureEpicConnection } from '../../src/connectors/connection-setup.ts';
import { SourceError } from '../../src/connectors/connector.ts';
import {
  type RunningDrChronoSimulator,
  startDrChronoSimulator,
} from '../../src/simulators/drchrono/index.ts';
import { type EpicSimulator, startEpicSimulator } from '../../src/simulators/epic/index.ts';
import { type RunningJaneSimulator, startJaneSimulator } from '../../src/simulators/jane/index.ts';
import type { Store } from '../../src/store/port.ts';
import {
  connectDrChrono,
  connectJane,
  drain,
  memoryStore,
  rowOf,
  silentLog,
  testConnectors,
} from './helpers.ts';

type Loose = Record<string, unknown>;

describe('native writes through the sessions (what mutations will call)', () => {
  let jane: RunningJaneSimulator;
  let drchrono: RunningDrChronoSimulator;
  let epic: EpicSimulator;
  let store: Store;
  let gateway: Server;
  let connectors: ReturnType<typeof testConnectors>;

  beforeAll(async () => {
    jane = await startJaneSimulator({ seed: 31, patients: 3 });
    drchrono = await startDrChronoSimulator({ seed: 32, patients: 3 });
    epic = await startEpicSimulator({ seed: 33, patients: 3, bulkPollsBeforeComplete: 0 });
    store = memoryStore();
    gateway = createServer(createApp({ store, log: silentLog }).handle);
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    epic.registerClient({ clientId: 'gw-writes', jwksUrl: `${url}/.well-known/jwks.json` });
    connectors = testConnectors(store);
  });
  afterAll(async () => {
    gateway.closeAllConnections();
    gateway.close();
    await Promise.all([jane.close(), drchrono.close(), epic.close()]);
    await store.close();
  });

  it('Jane: creates an observation (body wrapped in data), patches it, finds it; refuses what the row does not allow', async () => {
    const session = await connectors.jane.open(await connectJane(store, jane, { tenant: 'w', id: 'jane-w' }));
    const [patient] = (await drain(session, rowOf(connectors.jane.catalog, 'patients'))).records as Loose[];
    const observations = rowOf(connectors.jane.catalog, 'observations');
    const created = (await session.write(observations, 'create', {
      body: {
        patient_id: patient?.id,
        category: 'exam',
        values: [
          { code: '8310-5', system: 'http://loinc.org', value: '37.1', value_type: 'numeric', unit: 'Cel' },
        ],
      },
    })) as Loose;
    expect(created.id).toEqual(expect.any(String));
    await session.write(observations, 'patch', { nativeId: String(created.id), body: { note: 'rechecked' } });
    expect(((await session.read(observations, String(created.id))) as Loose).note).toBe('rechecked');
    expect(await session.read(observations, '00000000-0000-4000-8000-000000000000')).toBeUndefined();
    await expect(
      session.write(rowOf(connectors.jane.catalog, 'patients'), 'create', { body: {} }),
    ).rejects.toMatchObject({ code: 'rejected' });
  });

  it('DrChrono: creates a task category (201), patches it (204, read back)', async () => {
    const session = await connectors.drchrono.open(
      await connectDrChrono(store, drchrono, { tenant: 'w', id: 'drc-w' }),
    );
    const row = rowOf(connectors.drchrono.catalog, 'task_categories');
    const [existing] = (await drain(session, row)).records as Loose[];
    const created = (await session.write(row, 'create', {
      body: { name: 'Follow-ups', practice_group: existing?.practice_group ?? 1 },
    })) as Loose;
    expect(created.id).toEqual(expect.any(Number));
    const updated = (await session.write(row, 'patch', {
      nativeId: String(created.id),
      body: { name: 'Follow-ups (2)' },
    })) as Loose;
    expect(updated.name).toBe('Follow-ups (2)');
    // The session adds the practice's group to a create; a missing name is DrChrono's 400, by field.
    const grouped = (await session.write(row, 'create', { body: { name: 'no group given' } })) as Loose;
    expect(grouped.practice_group).toBe(existing?.practice_group);
    const invalid = await session
      .write(row, 'create', { body: { archived: false } })
      .catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(SourceError);
    expect(invalid).toMatchObject({ code: 'rejected', status: 400, sourceCode: 'field:name' });
  });

  it('Epic: creates a DocumentReference (201) and reads it back', async () => {
    await store.tenants.ensure('w');
    const connection = await ensureEpicConnection(store, {
      tenant: 'w',
      id: 'epic-w',
      fhirBaseUrl: epic.fhirBaseUrl,
      tokenUrl: epic.tokenUrl,
      clientId: 'gw-writes',
      groupId: epic.groupId,
      now: Date.now(),
    });
    const session = await connectors.epic.open(connection);
    const [patient] = (await drain(session, rowOf(connectors.epic.catalog, 'Patient'))).records as Loose[];
    const row = rowOf(connectors.epic.catalog, 'DocumentReference');
    const created = (await session.write(row, 'create', {
      body: {
        resourceType: 'DocumentReference',
        status: 'current',
        type: { coding: [{ system: 'http://loinc.org', code: '11506-3' }] },
        subject: { reference: `Patient/${patient?.id}` },
        content: [
          { attachment: { contentType: 'text/plain', data: Buffer.from('note').toString('base64') } },
        ],
      },
    })) as Loose;
    expect(created.resourceType).toBe('DocumentReference');
    expect(((await session.read(row, String(created.id))) as Loose).id).toBe(created.id);
  });
});
