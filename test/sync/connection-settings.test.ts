import type { Appointment, ChargeItemDefinition } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId } from '../../src/fhir/identity.ts';
import {
  type RunningDrChronoSimulator,
  startDrChronoSimulator,
} from '../../src/simulators/drchrono/index.ts';
import { type RunningJaneSimulator, startJaneSimulator } from '../../src/simulators/jane/index.ts';
import type { Connection, Store } from '../../src/store/port.ts';
import { createSyncEngine } from '../../src/sync/sync-engine.ts';
import { connectDrChrono, connectJane, memoryStore } from '../connectors/helpers.ts';
import { projectMappings, realConnectors, silentLog } from './real-sources.ts';

/** The connection with `settings` merged into its config, secrets untouched (as an operator sets them). */
async function configure(store: Store, connection: Connection, settings: Record<string, unknown>) {
  const secrets = await store.connections.secrets(connection.tenant, connection.id);
  return store.connections.put(
    {
      tenant: connection.tenant,
      id: connection.id,
      source: connection.source,
      config: { ...connection.config, ...settings },
    },
    secrets,
  );
}

function engineFor(store: Store) {
  return createSyncEngine({
    store,
    mappings: projectMappings(),
    log: silentLog,
    holder: 'settings-test',
    connectors: realConnectors(store, { limits: 'off' }),
  });
}

describe("the connection's time zone and currency reach the mapping", () => {
  let drchrono: RunningDrChronoSimulator;
  let jane: RunningJaneSimulator;
  const store = memoryStore();
  beforeAll(async () => {
    drchrono = await startDrChronoSimulator({ seed: 31, patients: 2, rateLimits: false });
    jane = await startJaneSimulator({ seed: 32, patients: 2, rateLimits: false });
  });
  afterAll(async () => {
    await drchrono.close();
    await jane.close();
    await store.close();
  });

  it("reads DrChrono's wall-clock times in the office's time zone, not as UTC", async () => {
    const connected = await connectDrChrono(store, drchrono, { tenant: 't-tz', id: 'drchrono-chicago' });
    await configure(store, connected, { timeZone: 'America/Chicago' });
    const engine = engineFor(store);
    try {
      const run = await engine.runOnce('t-tz', 'drchrono-chicago');
      expect(run.outcome, JSON.stringify(run.rows.filter((r) => r.error))).toBe('completed');
    } finally {
      await engine.stop();
    }
    const { accessToken } = drchrono.issueAccessToken();
    const list = (await (
      await fetch(`${drchrono.url}/api/appointments?since=1900-01-01`, {
        headers: { authorization: `Bearer ${accessToken}` },
      })
    ).json()) as { results: Array<{ id: number; scheduled_time: string; appt_is_break: boolean }> };
    const native = list.results.find((a) => !a.appt_is_break);
    if (!native) throw new Error('the practice has no appointment');
    const id = gatewayId({
      tenant: 't-tz',
      connectionId: 'drchrono-chicago',
      source: 'drchrono',
      sourceType: 'appointments',
      nativeId: String(native.id),
    });
    const stored = (await store.resources.read('t-tz', 'Appointment', id))?.resource as Appointment;
    // The same wall-clock time, with Chicago's offset (daylight or standard time).
    expect(stored.start).toMatch(new RegExp(`^${native.scheduled_time.slice(0, 19)}-0[56]:00$`));
    const utc = Date.parse(`${native.scheduled_time.slice(0, 19)}Z`);
    expect([5, 6].map((h) => utc + h * 3_600_000)).toContain(Date.parse(stored.start ?? ''));
  }, 60_000);

  it("gives Jane's treatment prices the clinic's currency", async () => {
    const connected = await connectJane(store, jane, { tenant: 't-cur', id: 'jane-ca' });
    await configure(store, connected, { currency: 'CAD' });
    const engine = engineFor(store);
    try {
      const run = await engine.runOnce('t-cur', 'jane-ca');
      expect(run.outcome, JSON.stringify(run.rows.filter((r) => r.error))).toBe('completed');
    } finally {
      await engine.stop();
    }
    const prices = await store.resources.list('t-cur', 'ChargeItemDefinition', { limit: 100 });
    const amounts = prices.items.flatMap(
      (item) =>
        (item.resource as ChargeItemDefinition).propertyGroup?.flatMap(
          (group) => group.priceComponent?.map((c) => c.amount) ?? [],
        ) ?? [],
    );
    expect(amounts.length).toBeGreaterThan(0);
    expect(amounts.every((amount) => amount?.currency === 'CAD')).toBe(true);
  }, 60_000);

  it('refuses a run with an unknown time zone clearly, naming the setting, and writes nothing', async () => {
    const connected = await connectDrChrono(store, drchrono, { tenant: 't-bad', id: 'drchrono-bad' });
    await configure(store, connected, { timeZone: 'Mars/Olympus_Mons' });
    const engine = engineFor(store);
    try {
      const run = await engine.runOnce('t-bad', 'drchrono-bad');
      expect(run.outcome).not.toBe('completed');
      const state = engine.state('t-bad', 'drchrono-bad');
      expect(state?.lastError).toMatchObject({ code: 'rejected' });
      expect(state?.lastError?.message).toContain('timeZone');
      expect(state?.lastError?.message).not.toContain('Mars');
    } finally {
      await engine.stop();
    }
    expect((await store.resources.list('t-bad', 'Patient', { limit: 10 })).items).toHaveLength(0);
    expect(await store.quarantine.list('t-bad')).toHaveLength(0);
  }, 60_000);
});
