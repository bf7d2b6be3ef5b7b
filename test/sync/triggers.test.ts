import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, TriggerDefinition } from '../../src/connectors/connector.ts';
import { startDrChronoSimulator } from '../../src/simulators/drchrono/index.ts';
import { startEpicSimulator } from '../../src/simulators/epic/index.ts';
import { startJaneSimulator } from '../../src/simulators/jane/index.ts';
import type { RunningSimulator } from '../../src/simulators/types.ts';
import type { Change, Connection, Store } from '../../src/store/port.ts';
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
 * One test per seed trigger, driven by the trigger table (data): the simulator changes its
 * records one tick step at a time (each step creates or edits records the way the clinic would);
 * after each step the sync runs. For every trigger, the first step that fires it must give each
 * changed record exactly one event carrying the trigger (live, not backfill, of a kind the trigger
 * names, from the right connection), and a re-poll right after must add no event at all.
 */
type Observation = { step: number; events: Change[]; repollEvents: number };
type SourceRun = { triggers: readonly TriggerDefinition[]; seen: Map<string, Observation>; steps: number };

/** Tick steps before the remaining triggers get their explicit stimulus. */
const MAX_STEPS = 60;

/**
 * DrChrono rows whose API create drops fields the mapping needs (a line item's patient comes from
 * its appointment): someone edits an existing record instead.
 */
const EDITS: Readonly<Record<string, Record<string, unknown>>> = { line_items: { quantity: 3 } };

/**
 * DrChrono rows the API cannot write (read-only: audit log, inventory categories, prescription
 * messages, transactions): the practice changes them itself, which the simulator's admin
 * `POST /_admin/tick?resource=` plays (its edits are data: simulators/drchrono/data/tick-changes.json).
 */
const READ_ONLY = new Set(['audit_log', 'inventory_categories', 'prescription_messages', 'transactions']);

async function driveTriggers(
  store: Store,
  sim: RunningSimulator,
  connection: Connection,
  connectors: Connector[],
  /** For a trigger the clinic's ticks did not fire: makes the source change a record of its row. */
  stimulate?: (trigger: TriggerDefinition) => Promise<boolean>,
): Promise<SourceRun> {
  const connector = connectors.find((c) => c.source === connection.source);
  if (!connector) throw new Error(`no connector for ${connection.source}`);
  const engine = createSyncEngine({
    store,
    mappings: projectMappings(),
    log: silentLog,
    holder: 'trigger-test',
    connectors,
  });
  const seen = new Map<string, Observation>();
  try {
    const backfill = await engine.runOnce(connection.tenant, connection.id);
    expect(backfill.outcome, JSON.stringify(backfill.rows.filter((r) => r.error))).toBe('completed');
    let { cursor } = await changesAfter(store, undefined);
    let steps = 0;
    const pending = () => connector.triggers.filter((t) => !seen.has(t.id));
    const stimuli = [...connector.triggers];
    const maxSteps = MAX_STEPS + stimuli.length;
    while (steps < maxSteps && pending().length > 0) {
      steps++;
      if (steps <= MAX_STEPS) sim.tick(1);
      else {
        const trigger = stimuli.shift() as TriggerDefinition;
        if (seen.has(trigger.id) || !stimulate || !(await stimulate(trigger))) continue;
      }
      const run = await engine.runOnce(connection.tenant, connection.id);
      expect(run.outcome, JSON.stringify(run.rows.filter((r) => r.error))).toBe('completed');
      const step = await changesAfter(store, cursor);
      cursor = step.cursor;
      const repoll = await engine.runOnce(connection.tenant, connection.id);
      expect(repoll.outcome, JSON.stringify(repoll.rows.filter((r) => r.error))).toBe('completed');
      const after = await changesAfter(store, cursor);
      cursor = after.cursor;
      for (const trigger of connector.triggers) {
        if (seen.has(trigger.id)) continue;
        const events = step.changes.filter((c) => c.triggers.includes(trigger.id));
        if (events.length > 0)
          seen.set(trigger.id, { step: steps, events, repollEvents: after.changes.length });
      }
    }
    return { triggers: connector.triggers, seen, steps };
  } finally {
    await engine.stop();
  }
}

function expectFired(run: () => SourceRun | undefined, trigger: TriggerDefinition, connectionId: string) {
  const result = run();
  const observed = result?.seen.get(trigger.id);
  expect(observed, `${trigger.id} did not fire within ${result?.steps} steps`).toBeDefined();
  if (!observed) return;
  const resources = new Set(observed.events.map((e) => `${e.type}/${e.id}`));
  // Exactly one event per changed record, each a live change of the kind the trigger names.
  expect(resources.size).toBe(observed.events.length);
  for (const event of observed.events) {
    expect([trigger.resourceType, ...(trigger.alsoOn ?? [])]).toContain(event.type);
    expect(trigger.kinds).toContain(event.action);
    expect(event.backfill).toBe(false);
    expect(event.connection).toBe(connectionId);
    if (event.action === 'updated') expect(event.previousVersionId).toBe(event.versionId - 1);
  }
  // A re-poll right after the step adds nothing.
  expect(observed.repollEvents).toBe(0);
}

describe('seed triggers: Jane', () => {
  const store = memoryStore();
  let run: SourceRun | undefined;
  // Budgets off (the simulator's limits are off too): Jane's 100/minute per endpoint has its own
  // tests and must not pace this test's many polls. A virtual clock did that before, but it aged
  // tokens faster than the simulator's real clock and made refreshes race in-flight calls.
  const connectors = realConnectors(store, { limits: 'off' });
  const triggers = connectors.find((c) => c.source === 'jane')?.triggers ?? [];
  beforeAll(async () => {
    // The simulator's own limits off: this test is about triggers, the budget is tested on its own.
    const sim = await startJaneSimulator({ seed: 11, patients: 4, rateLimits: false });
    try {
      const connection = await connectJane(store, sim, { tenant: 't-jane', id: 'jane-1' });
      // The clinic's ticks only re-price treatments, which changes their ChargeItemDefinition and
      // not the ActivityDefinition: still "Treatment Updated" (the trigger's `alsoOn`). If the
      // ticks did not reach a treatment, the clinic re-prices one.
      const repriceTreatment = async (trigger: TriggerDefinition) => {
        if (trigger.row !== 'treatments') return false;
        const clinic = sim.clinic();
        const treatment = clinic.store.entries('treatments')[0];
        if (!treatment) return false;
        clinic.store.update('treatments', treatment.id, { price: Number(treatment.record.price ?? 100) + 5 });
        return true;
      };
      run = await driveTriggers(store, sim, connection, connectors, repriceTreatment);
    } finally {
      await sim.close();
    }
  }, 120_000);
  afterAll(() => store.close());
  it('has the 12 seed triggers', () => expect(triggers).toHaveLength(12));
  it('fires "Treatment Updated" on a price change, once, on the ChargeItemDefinition', () => {
    const events = run?.seen.get('jane.treatment.updated')?.events ?? [];
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.type === 'ChargeItemDefinition')).toBe(true);
  });
  it.each(triggers.map((t) => [t.id, t] as const))('%s', (_id, trigger) =>
    expectFired(() => run, trigger, 'jane-1'),
  );
});

describe('seed triggers: DrChrono', () => {
  const store = memoryStore();
  let run: SourceRun | undefined;
  // Budgets off, as for Jane: DrChrono's 500/hour budget has its own tests.
  const connectors = realConnectors(store, { limits: 'off' });
  const triggers = connectors.find((c) => c.source === 'drchrono')?.triggers ?? [];
  beforeAll(async () => {
    const sim = await startDrChronoSimulator({ seed: 12, patients: 4, rateLimits: false });
    try {
      const connection = await connectDrChrono(store, sim, { tenant: 't-drchrono', id: 'drchrono-1' });
      const { accessToken } = sim.issueAccessToken();
      const headers = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
      // Someone at the practice adds a record like an existing one, through the API; records the
      // API cannot write change inside the practice (the simulator's admin plays that).
      const copyCreate = async (trigger: TriggerDefinition) => {
        if (READ_ONLY.has(trigger.row)) {
          const res = await fetch(`${sim.url}/_admin/tick?count=1&resource=${trigger.row}`, {
            method: 'POST',
          });
          return res.ok;
        }
        const path = `${sim.url}/api/${trigger.row}`;
        const list = (await (await fetch(`${path}?since=1900-01-01`, { headers })).json()) as {
          results: Array<Record<string, unknown>>;
        };
        // A record the mappings keep (not one their `when` leaves out on purpose).
        const scope = { tenant: connection.tenant, connectionId: connection.id, source: 'drchrono' as const };
        const template = list.results.find(
          (r) => projectMappings().forward('drchrono', trigger.row, r, scope).ok,
        );
        if (!template) return false;
        const edit = EDITS[trigger.row];
        if (edit) {
          const res = await fetch(`${path}/${template.id}`, {
            method: 'PATCH',
            headers,
            body: JSON.stringify(edit),
          });
          return res.ok;
        }
        const { id: _id, ...copy } = template;
        const res = await fetch(path, { method: 'POST', headers, body: JSON.stringify(copy) });
        return res.status === 201;
      };
      run = await driveTriggers(store, sim, connection, connectors, copyCreate);
    } finally {
      await sim.close();
    }
  }, 180_000);
  afterAll(() => store.close());
  it('has the 23 seed triggers', () => expect(triggers).toHaveLength(23));
  it.each(triggers.map((t) => [t.id, t] as const))('%s', (_id, trigger) =>
    expectFired(() => run, trigger, 'drchrono-1'),
  );
});

describe('seed triggers: Epic', () => {
  const store = memoryStore();
  let run: SourceRun | undefined;
  const connectors = realConnectors(store);
  const triggers = connectors.find((c) => c.source === 'epic')?.triggers ?? [];
  beforeAll(async () => {
    const jwks = await serveJwks(store);
    const sim = await startEpicSimulator({ seed: 13, patients: 4, bulkPollsBeforeComplete: 0 });
    try {
      const connection = await connectEpic(store, sim, jwks.url, { tenant: 't-epic', id: 'epic-1' });
      run = await driveTriggers(store, sim, connection, connectors);
    } finally {
      await sim.close();
      await jwks.close();
    }
  }, 180_000);
  afterAll(() => store.close());
  it('has the 10 seed triggers', () => expect(triggers).toHaveLength(10));
  it.each(triggers.map((t) => [t.id, t] as const))('%s', (_id, trigger) =>
    expectFired(() => run, trigger, 'epic-1'),
  );
});
