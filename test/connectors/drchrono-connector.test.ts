import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSharedConnectorState } from '../../src/connectors/common/connector-deps.ts';
import {
  type RunningDrChronoSimulator,
  startDrChronoSimulator,
} from '../../src/simulators/drchrono/index.ts';
import type { Store } from '../../src/store/port.ts';
import { connectDrChrono, drain, memoryStore, pageEveryRow, rowOf, testConnectors } from './helpers.ts';

describe('DrChrono connector against the simulator (authorization code, real limits)', () => {
  let sim: RunningDrChronoSimulator;
  let store: Store;

  beforeAll(async () => {
    sim = await startDrChronoSimulator({ seed: 9, patients: 20 });
    store = memoryStore();
  });
  afterAll(async () => {
    await sim.close();
    await store.close();
  });

  it('backfills every catalog row, then re-polls from the day before the watermark, within the budget', async () => {
    const connection = await connectDrChrono(store, sim, { tenant: 't1', id: 'drc-1' });
    // One process: the small-page registry below shares the budget (DrChrono counts per app).
    const shared = createSharedConnectorState();
    const connector = testConnectors(store, { shared }).drchrono;
    const session = await connector.open(connection);
    sim.counters.reset();
    const watermarks = new Map<string, string | undefined>();
    for (const row of connector.catalog) {
      const polled = await drain(session, row);
      if (row.polledBy) {
        expect(polled.pages, row.key).toHaveLength(0);
        continue;
      }
      const ids = polled.records.map((r) => String((r as { id: unknown }).id));
      expect(new Set(ids).size, row.key).toBe(ids.length);
      watermarks.set(row.key, polled.watermark);
    }
    expect((await drain(session, rowOf(connector.catalog, 'patients'))).records).toHaveLength(20);
    // Backfills of rows with a bulk list go through it (pages of 1,000, fewer requests).
    expect(sim.counters.snapshot()['POST /api/patients_list']).toEqual({ '201': 2 });
    expect(watermarks.get('patients')).toMatch(/^\d{4}-\d\d-\d\dT/);

    sim.tick(10);
    const patients = rowOf(connector.catalog, 'patients');
    const again = await drain(session, patients, watermarks.get('patients'));
    // `since` is a date: the overlap re-reads the last day, which the store dedupes by hash.
    expect((again.watermark ?? '') >= (watermarks.get('patients') ?? '~')).toBe(true);

    // Paging: every polled row in pages of 8 gives the same records through `next` links.
    const paged = await pageEveryRow(
      connector,
      testConnectors(store, { pageSize: 8, shared }).drchrono,
      connection,
    );
    // every row not polled by another (clinical notes and the practice configuration included)
    expect(paged.length).toBe(connector.catalog.filter((r) => !r.polledBy).length);
    expect(paged.length).toBeGreaterThanOrEqual(30);
    for (const r of paged) {
      expect(r.sameIds && r.unique, r.row).toBe(true);
      if (r.records > 8) expect(r.smallPages, r.row).toBeGreaterThan(1);
    }
    expect(paged.filter((r) => r.records > 8).length).toBeGreaterThan(5);

    const counts = sim.counters.snapshot();
    const throttled = Object.values(counts).reduce((n, byStatus) => n + (byStatus['429'] ?? 0), 0);
    expect(throttled).toBe(0);
    const used = session.status().requestsUsed.find((w) => w.window === 'app-hour');
    expect(used?.used).toBe(sim.counters.total((route) => route.includes(' /api/')));
    expect(used?.used ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(used?.limit ?? 0);
    // Real limits (9 requests/s) over every row in pages of 8: some 60 rows take a while.
  }, 120_000);
});
