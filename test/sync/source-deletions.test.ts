import type { Observation } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { gatewayId } from '../../src/fhir/identity.ts';
import { startDrChronoSimulator } from '../../src/simulators/drchrono/index.ts';
import { startEpicSimulator } from '../../src/simulators/epic/index.ts';
import { startJaneSimulator } from '../../src/simulators/jane/index.ts';
import type { Change, Store } from '../../src/store/port.ts';
import { createSyncEngine } from '../../src/sync/sync-engine.ts';
import { connectDrChrono, connectJane, memoryStore } from '../connectors/helpers.ts';
import {
  changesAfter,
  connectEpic,
  projectMappings,
  realConnectors,
  serveJwks,
  silentLog,
} from './real-sources.ts';

/**
 * Deletions at the source become tombstones, each emitted once as a `deleted` change: DrChrono's
 * soft deletes (an appointment's `deleted_flag`, an archived document), a record gone from a
 * full-scan row (Jane chart data), Epic's entered-in-error. A re-poll adds nothing.
 */
async function syncer(store: Store, tenant: string, id: string) {
  const engine = createSyncEngine({
    store,
    mappings: projectMappings(),
    log: silentLog,
    holder: 'deletions-test',
    connectors: realConnectors(store, { limits: 'off' }),
  });
  let cursor: string | undefined;
  const run = async (): Promise<Change[]> => {
    const result = await engine.runOnce(tenant, id);
    expect(result.outcome, JSON.stringify(result.rows.filter((r) => r.error))).toBe('completed');
    const step = await changesAfter(store, cursor);
    cursor = step.cursor;
    return step.changes;
  };
  return { run, stop: () => engine.stop() };
}

const idOf = (
  tenant: string,
  connectionId: string,
  source: 'jane' | 'drchrono' | 'epic',
  sourceType: string,
  nativeId: string,
) => gatewayId({ tenant, connectionId, source, sourceType, nativeId });

describe('deletions at the source', () => {
  it('DrChrono: a deleted appointment, an archived document and a deleted line item become tombstones, once', async () => {
    const sim = await startDrChronoSimulator({ seed: 51, patients: 2, rateLimits: false });
    const store = memoryStore();
    const sync = await syncer(store, 't-del', 'drchrono-1');
    try {
      await connectDrChrono(store, sim, { tenant: 't-del', id: 'drchrono-1' });
      await sync.run();
      const headers = { authorization: `Bearer ${sim.issueAccessToken().accessToken}` };
      const list = async (path: string) =>
        (
          (await (await fetch(`${sim.url}${path}`, { headers })).json()) as {
            results: Array<Record<string, unknown>>;
          }
        ).results;
      const appointment = (await list('/api/appointments?since=1900-01-01')).find(
        (a) => a.appt_is_break !== true,
      );
      const document = (await list('/api/documents'))[0];
      const lineItem = (await list('/api/line_items'))[0];
      if (!appointment || !document || !lineItem) throw new Error('the practice lacks a record to delete');
      const lineItemId = idOf('t-del', 'drchrono-1', 'drchrono', 'line_items', String(lineItem.id));
      expect((await store.resources.read('t-del', 'ChargeItem', lineItemId))?.deleted).toBe(false);
      // A line item is deleted for good; DrChrono logs it in line_item_deletions.
      for (const path of [
        `/api/appointments/${appointment.id}`,
        `/api/documents/${document.id}`,
        `/api/line_items/${lineItem.id}`,
      ]) {
        expect((await fetch(`${sim.url}${path}`, { method: 'DELETE', headers })).status).toBe(204);
      }

      const changes = await sync.run();
      const deleted = changes.filter((c) => c.action === 'deleted').map((c) => `${c.type}/${c.id}`);
      const appointmentId = idOf('t-del', 'drchrono-1', 'drchrono', 'appointments', String(appointment.id));
      expect(deleted).toContain(`Appointment/${appointmentId}`);
      expect(deleted).toContain(`Encounter/${appointmentId}`);
      expect(deleted).toContain(
        `DocumentReference/${idOf('t-del', 'drchrono-1', 'drchrono', 'documents', String(document.id))}`,
      );
      expect(deleted).toContain(`ChargeItem/${lineItemId}`);
      expect(new Set(deleted).size).toBe(deleted.length);
      expect(
        changes
          .filter((c) => c.action === 'deleted')
          .every((c) => c.connection === 'drchrono-1' && !c.backfill),
      ).toBe(true);
      expect((await store.resources.read('t-del', 'Appointment', appointmentId))?.deleted).toBe(true);
      // DrChrono lists them again the next day (since overlaps): nothing more.
      expect(await sync.run()).toEqual([]);
    } finally {
      await sync.stop();
      await sim.close();
      await store.close();
    }
  }, 60_000);

  it('Jane: a chart record gone from a complete full scan becomes a tombstone, once', async () => {
    const sim = await startJaneSimulator({ seed: 52, patients: 3, rateLimits: false });
    const store = memoryStore();
    const sync = await syncer(store, 't-del', 'jane-1');
    try {
      await connectJane(store, sim, { tenant: 't-del', id: 'jane-1' });
      await sync.run();
      const clinic = sim.clinic();
      const gone = clinic.store.entries('observations')[0];
      if (!gone) throw new Error('the clinic has no observation');
      const observationId = idOf('t-del', 'jane-1', 'jane', 'observations', gone.id);
      expect((await store.resources.read('t-del', 'Observation', observationId))?.deleted).toBe(false);
      expect(await sync.run()).toEqual([]); // a full scan of unchanged records: no noise

      expect(clinic.store.remove('observations', gone.id)).toBe(true);
      const changes = await sync.run();
      expect(changes.map((c) => `${c.action} ${c.type}/${c.id}`)).toEqual([
        `deleted Observation/${observationId}`,
      ]);
      expect((await store.resources.read('t-del', 'Observation', observationId))?.deleted).toBe(true);
      expect(await sync.run()).toEqual([]);
    } finally {
      await sync.stop();
      await sim.close();
      await store.close();
    }
  }, 60_000);

  it('Epic: an observation marked entered-in-error becomes a tombstone, once', async () => {
    const store = memoryStore();
    const jwks = await serveJwks(store);
    const sim = await startEpicSimulator({ seed: 53, patients: 2, bulkPollsBeforeComplete: 0 });
    const sync = await syncer(store, 't-del', 'epic-1');
    try {
      await connectEpic(store, sim, jwks.url, { tenant: 't-del', id: 'epic-1' });
      await sync.run();
      const headers = {
        authorization: `Bearer ${await sim.backendClient.fetchAccessToken()}`,
        accept: 'application/fhir+json',
        'content-type': 'application/fhir+json',
      };
      const stored = await store.resources.list('t-del', 'Observation', { limit: 1 });
      const observation = stored.items[0];
      if (!observation) throw new Error('no observation synced');
      // The gateway's identifier carries Epic's id (docs/identity.md).
      const nativeId = (observation.resource as Observation).identifier?.find((i) =>
        i.system?.includes('epic'),
      )?.value;
      expect(nativeId).toBeDefined();
      const native = (await (
        await fetch(`${sim.fhirBaseUrl}/Observation/${nativeId}`, { headers })
      ).json()) as Observation;
      const put = await fetch(`${sim.fhirBaseUrl}/Observation/${native.id}`, {
        method: 'PUT',
        headers,
        body: JSON.stringify({ ...native, status: 'entered-in-error' }),
      });
      expect(put.status).toBe(200);

      const changes = await sync.run();
      expect(changes.map((c) => `${c.action} ${c.type}/${c.id}`)).toEqual([
        `deleted Observation/${observation.id}`,
      ]);
      expect(await sync.run()).toEqual([]);
    } finally {
      await sync.stop();
      await sim.close();
      await jwks.close();
      await store.close();
    }
  }, 60_000);
});
