import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningJaneSimulator, startJaneSimulator } from '../../src/simulators/jane/index.ts';
import type { Store } from '../../src/store/port.ts';
import { connectJane, drain, memoryStore, pageEveryRow, rowOf, testConnectors } from './helpers.ts';

describe('Jane connector against the simulator (authorization code + PKCE)', () => {
  let sim: RunningJaneSimulator;
  let store: Store;

  beforeAll(async () => {
    sim = await startJaneSimulator({ seed: 5, patients: 30 });
    store = memoryStore();
  });
  afterAll(async () => {
    await sim.close();
    await store.close();
  });

  it('backfills every catalog row through paging and then polls only what changed', async () => {
    const connection = await connectJane(store, sim, { tenant: 't1', id: 'jane-a' });
    const connector = testConnectors(store).jane;
    const session = await connector.open(connection);
    const clinic = sim.clinic();
    for (const row of connector.catalog) {
      const polled = await drain(session, row);
      if (row.polledBy) {
        expect(polled.pages).toHaveLength(0);
        continue;
      }
      expect(polled.watermark, row.key).toBeDefined();
      const ids = polled.records.map((r) => (r as { id: string }).id);
      expect(new Set(ids).size, row.key).toBe(ids.length);
      if (row.key === 'patients') expect(ids.length).toBe(30);
      expect(ids.length, row.key).toBeGreaterThan(0);
    }
    expect(clinic).toBeDefined();

    // Paging: every polled row read in pages of 4 gives the same records, none twice.
    const paged = await pageEveryRow(connector, testConnectors(store, { pageSize: 4 }).jane, connection);
    expect(paged.length).toBe(10);
    for (const r of paged) {
      expect(r.sameIds && r.unique, r.row).toBe(true);
      if (r.records > 4 && r.row !== 'company') expect(r.smallPages, r.row).toBe(Math.ceil(r.records / 4));
    }

    const patients = rowOf(connector.catalog, 'patients');
    const first = await drain(session, patients);
    // Nothing changed: a poll from the watermark answers at most the boundary second's records.
    await new Promise((r) => setTimeout(r, 2100));
    const quiet = await drain(session, patients, first.watermark);
    expect(quiet.records.length).toBeLessThan(30);
    sim.tickClinic(sim.rootClinic.slug, 5);
    const after = await drain(session, patients, first.watermark);
    expect(after.records.length).toBeGreaterThan(0);
    expect(after.records.length).toBeLessThan(40);
  });
});
