import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TriggerDefinition } from '../../src/connectors/connector.ts';
import type { Change, Store } from '../../src/store/port.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { createSyncEngine, type SyncEngine } from '../../src/sync/sync-engine.ts';
import { decodeRowWatermark, watermarkKey } from '../../src/sync/sync-keys.ts';
import { loadTestMappings } from './test-mappings.ts';
import {
  startTestSource,
  type TestConnectorOptions,
  type TestSource,
  testConnector,
  testRow,
} from './test-source.ts';

const mappings = loadTestMappings();

const patients = testRow('patients', { fhirTypes: ['Patient'] });
const appointments = testRow('appointments', { fhirTypes: ['Appointment'], dependsOn: ['patients'] });
const triggers: TriggerDefinition[] = [
  {
    id: 'test.patient.created',
    source: 'drchrono',
    seedName: 'New Patient',
    row: 'patients',
    resourceType: 'Patient',
    kinds: ['created'],
  },
  {
    id: 'test.patient.updated',
    source: 'drchrono',
    seedName: 'Updated Patient',
    row: 'patients',
    resourceType: 'Patient',
    kinds: ['updated'],
  },
  {
    id: 'test.appointment.cancelled',
    source: 'drchrono',
    seedName: 'Cancelled Appointment',
    row: 'appointments',
    resourceType: 'Appointment',
    kinds: ['created', 'updated'],
    criteria: "status = 'cancelled'",
  },
];
const log = pino({ level: 'silent' });

async function allChanges(store: Store): Promise<Change[]> {
  const changes: Change[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await store.changes.after(cursor, 500, { allTenants: true });
    changes.push(...page.changes);
    if (page.changes.length === 0) return changes;
    cursor = page.cursor;
  }
}

describe('sync engine', () => {
  let store: Store;
  let source: TestSource;
  const engines: SyncEngine[] = [];
  const engine = (holder: string, options: TestConnectorOptions & { leaseTtlMs?: number } = {}) => {
    const created = createSyncEngine({
      rescanEveryMs: 100,
      store,
      mappings,
      log,
      holder,
      leaseTtlMs: options.leaseTtlMs ?? 60_000,
      connectors: [testConnector(source, [appointments, patients], triggers, options)],
    });
    engines.push(created);
    return created;
  };

  beforeEach(async () => {
    store = openSqliteStore(':memory:', {
      maxResourceBytes: 1 << 20,
      secretBox: createSecretBox(Buffer.alloc(32)),
    });
    await store.tenants.ensure('acme');
    source = await startTestSource();
    await store.connections.put(
      { tenant: 'acme', id: 'dc.main', source: 'drchrono', config: { baseUrl: source.url } },
      {},
    );
  });
  afterEach(async () => {
    for (const e of engines.splice(0)) await e.stop();
    await source.close();
    await store.close();
  });

  const seedPatients = (n: number) => {
    for (let i = 1; i <= n; i++)
      source.put('patients', { id: i, gender: i % 2 ? 'F' : 'M', last_name: `P${i}` });
  };

  it('backfills every page, marks those changes backfill, then re-polls without noise and catches a live update', async () => {
    seedPatients(5);
    source.put('appointments', { id: 'a1', patient: 1, status: 'proposed' });
    const sync = engine('p1');
    const first = await sync.runOnce('acme', 'dc.main');
    expect(first.outcome).toBe('completed');
    // patients (3 pages of 2) come before appointments although the catalog lists them after.
    expect(first.rows.map((r) => [r.row, r.pages, r.backfill, r.counts.created])).toEqual([
      ['patients', 3, true, 5],
      ['appointments', 1, true, 1],
    ]);
    // Appointments depend on patients: their first request comes after the last patients page.
    expect(source.arrivals.indexOf('appointments')).toBeGreaterThan(source.arrivals.lastIndexOf('patients'));
    const backfilled = await allChanges(store);
    expect(backfilled).toHaveLength(6);
    expect(backfilled.every((c) => c.connection === 'dc.main' && c.backfill)).toBe(true);
    expect(
      backfilled
        .filter((c) => c.type === 'Patient')
        .every((c) => c.triggers.join() === 'test.patient.created'),
    ).toBe(true);
    // A proposed appointment does not meet the cancelled trigger's criteria.
    expect(backfilled.find((c) => c.type === 'Appointment')?.triggers).toEqual([]);

    const seq = await store.changes.highWaterMark();
    const again = await sync.runOnce('acme', 'dc.main');
    expect(again.rows.every((r) => !r.backfill && r.counts.created + r.counts.updated === 0)).toBe(true);
    expect(await store.changes.highWaterMark()).toBe(seq);

    source.put('patients', { id: 2, gender: 'F', last_name: 'P2' });
    source.put('patients', { id: 9, gender: 'M', last_name: 'P9' });
    source.put('appointments', { id: 'a1', patient: 1, status: 'cancelled' });
    const live = await sync.runOnce('acme', 'dc.main');
    expect(live.rows[0]?.counts).toMatchObject({ created: 1, updated: 1 });
    const fresh = (await allChanges(store)).slice(6);
    expect(fresh.map((c) => [c.type, c.action, c.backfill, c.previousVersionId, c.triggers])).toEqual([
      ['Patient', 'updated', false, 1, ['test.patient.updated']],
      ['Patient', 'created', false, undefined, ['test.patient.created']],
      ['Appointment', 'updated', false, 1, ['test.appointment.cancelled']],
    ]);
    const mark = decodeRowWatermark(await store.watermarks.get(watermarkKey('acme', 'dc.main', 'patients')));
    expect(mark).toEqual({ cursor: '8', backfilling: false });
    // Only the changes a trigger names are found by it (the events layer filters this way).
    const cancelled = await store.changes.after(undefined, 100, {
      tenant: 'acme',
      triggers: ['test.appointment.cancelled'],
    });
    expect(cancelled.changes).toHaveLength(1);
  });

  it('keeps the watermark at the last committed page when the source fails mid-backfill, and resumes it still as backfill', async () => {
    seedPatients(6);
    source.put('appointments', { id: 'a1', patient: 1, status: 'proposed' });
    const sync = engine('p1');
    source.failNext('patients', 1, 503, 1);
    const failed = await sync.runOnce('acme', 'dc.main');
    expect(failed.outcome).toBe('partial');
    expect(failed.rows.map((r) => [r.row, r.pages, r.error?.code])).toEqual([
      ['patients', 1, 'unavailable'],
      // A row that depends on a failed row waits for the next run.
      ['appointments', 0, 'dependency_failed'],
    ]);
    expect(
      decodeRowWatermark(await store.watermarks.get(watermarkKey('acme', 'dc.main', 'patients'))),
    ).toEqual({
      cursor: '2',
      backfilling: true,
    });
    expect(sync.state('acme', 'dc.main')?.lastError).toMatchObject({ code: 'unavailable' });

    const resumed = await sync.runOnce('acme', 'dc.main');
    expect(resumed.outcome).toBe('completed');
    expect(resumed.rows.map((r) => [r.row, r.backfill, r.counts.created])).toEqual([
      ['patients', true, 4],
      ['appointments', true, 1],
    ]);
    const changes = await allChanges(store);
    expect(changes).toHaveLength(7);
    expect(changes.every((c) => c.backfill)).toBe(true);
    expect(new Set(changes.map((c) => `${c.type}/${c.id}/${c.versionId}`)).size).toBe(7);
  });

  it('lets exactly one of two engines on one store poll a connection at a time', async () => {
    seedPatients(6);
    const [a, b] = [engine('p1'), engine('p2')];
    const runs = await Promise.all([a.runOnce('acme', 'dc.main'), b.runOnce('acme', 'dc.main')]);
    expect(runs.map((r) => r.outcome).sort()).toEqual(['completed', 'not_leader']);
    // One run's pages only: 3 pages of patients, 1 empty page of appointments.
    expect(source.requests.get('patients')).toBe(3);
    expect(await allChanges(store)).toHaveLength(6);
    // The holder keeps its lease between runs; the other engine keeps out.
    const leader = runs[0]?.outcome === 'completed' ? a : b;
    const other = leader === a ? b : a;
    expect((await other.runOnce('acme', 'dc.main')).outcome).toBe('not_leader');
    expect(other.state('acme', 'dc.main')?.state).toBe('polled_elsewhere');
  });

  it('stops a run whose lease expired and was taken over: the stale holder writes no page and moves no watermark', async () => {
    seedPatients(4);
    const b = engine('p2');
    let takenOver: Awaited<ReturnType<SyncEngine['runOnce']>> | undefined;
    const a = engine('p1', {
      leaseTtlMs: 30,
      beforePage: async (row, index) => {
        if (row !== 'patients' || index !== 0 || takenOver) return;
        // p1 freezes (a long GC pause: its lease heartbeat freezes too) past its lease; p2 takes
        // the connection over. A stall that lets the heartbeat run keeps the lease (lease-heartbeat.test.ts).
        const frozenUntil = Date.now() + 60;
        while (Date.now() < frozenUntil) {
          // busy: no timer of this process runs
        }
        takenOver = await b.runOnce('acme', 'dc.main');
      },
    });
    const stale = await a.runOnce('acme', 'dc.main');
    expect(takenOver?.outcome).toBe('completed');
    expect(stale.outcome).toBe('fenced_out');
    expect(stale.rows[0]).toMatchObject({ row: 'patients', pages: 0 });
    const changes = await allChanges(store);
    expect(changes).toHaveLength(4);
    expect(changes.every((c) => c.versionId === 1)).toBe(true);
    expect((await store.leases.current('sync/acme/dc.main'))?.holder).toBe('p2');
  });

  it('pauses a connection whose credentials failed for good until it is re-connected', async () => {
    seedPatients(2);
    let revoked = true;
    const sync = engine('p1', { reauth: () => revoked });
    const run = await sync.runOnce('acme', 'dc.main');
    expect(run.outcome).toBe('needs_reauth');
    expect(sync.state('acme', 'dc.main')).toMatchObject({
      state: 'needs_reauth',
      lastError: { code: 'needs_reauth' },
    });
    revoked = false;
    // No retry storm: the paused connection does not poll again by itself.
    expect((await sync.runOnce('acme', 'dc.main')).outcome).toBe('needs_reauth');
    expect(source.requests.get('patients')).toBeUndefined();

    await new Promise((resolve) => setTimeout(resolve, 5));
    await store.connections.put(
      { tenant: 'acme', id: 'dc.main', source: 'drchrono', config: { baseUrl: source.url } },
      {},
    );
    expect((await sync.runOnce('acme', 'dc.main')).outcome).toBe('completed');
    expect(await allChanges(store)).toHaveLength(2);
  });

  it('quarantines a malformed record once, with a PHI-free reason, and the rest of the page goes on', async () => {
    source.put('patients', { id: 1, gender: 'F', last_name: 'Secret' });
    source.put('patients', { id: 2, gender: 'Q', last_name: 'Hidden' });
    source.putRaw('patients', 'junk', 'not a record');
    const sync = engine('p1', { pageSize: 10 });
    const run = await sync.runOnce('acme', 'dc.main');
    expect(run.rows[0]?.counts).toMatchObject({ created: 1, quarantined: 2 });
    // A re-read of the same records (overlap windows do this) adds no second copy.
    await store.watermarks.set(
      watermarkKey('acme', 'dc.main', 'patients'),
      JSON.stringify({ cursor: '0', backfilling: false }),
    );
    const again = await sync.runOnce('acme', 'dc.main');
    expect(again.rows[0]?.counts).toMatchObject({ unchanged: 1, quarantined: 0 });
    const entries = await store.quarantine.list('acme');
    expect(entries.map((e) => e.what).sort()).toEqual(['drchrono:patients/(no id)', 'drchrono:patients/2']);
    for (const entry of entries) expect(entry.reason).not.toMatch(/Hidden|Secret/);
  });

  it('answers an HTML error page with a row error and goes on with the rows that do not depend on it', async () => {
    seedPatients(2);
    source.put('appointments', { id: 'a1', patient: 1, status: 'proposed' });
    source.failNext('appointments', 1, 502);
    const sync = engine('p1');
    const run = await sync.runOnce('acme', 'dc.main');
    expect(run.outcome).toBe('partial');
    expect(run.rows.map((r) => [r.row, r.counts.created, r.error?.code])).toEqual([
      ['patients', 2, undefined],
      ['appointments', 0, 'unavailable'],
    ]);
    expect((await sync.runOnce('acme', 'dc.main')).outcome).toBe('completed');
    expect(await allChanges(store)).toHaveLength(3);
  });

  it('polls each connection on its own cron cadence once started', async () => {
    seedPatients(1);
    await store.connections.put(
      {
        tenant: 'acme',
        id: 'dc.fast',
        source: 'drchrono',
        config: { baseUrl: source.url, cadence: '* * * * * *' },
      },
      {},
    );
    const sync = engine('p1');
    await sync.start();
    expect(sync.state('acme', 'dc.fast')?.cadence).toBe('* * * * * *');
    expect(sync.state('acme', 'dc.main')?.cadence).toBe('0 */5 * * * *');
    // The first runs at start; the cron tick brings the new record in without a manual run.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await allChanges(store)).length < 2) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    source.put('patients', { id: 7, gender: 'M', last_name: 'P7' });
    while (
      Date.now() < deadline &&
      (await allChanges(store)).filter((c) => c.connection === 'dc.fast').length < 2
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const fast = (await allChanges(store)).filter((c) => c.connection === 'dc.fast');
    expect(fast).toHaveLength(2);

    // A connection made after start (the connect flow) is picked up without a restart.
    await store.connections.put({ tenant: 'acme', id: 'dc.late', source: 'drchrono', config: {} }, {});
    while (
      Date.now() < deadline &&
      (await allChanges(store)).filter((c) => c.connection === 'dc.late').length < 2
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await allChanges(store)).filter((c) => c.connection === 'dc.late')).toHaveLength(2);
  });
});
