import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceAccess } from '../../src/actions/find/read-through.ts';
import { markNeedsReauth } from '../../src/connectors/common/connection-state.ts';
import type { CatalogRow, Connector, ConnectorSession } from '../../src/connectors/connector.ts';
import { createIdentityScheme } from '../../src/fhir/identity.ts';
import {
  type RunningDrChronoSimulator,
  startDrChronoSimulator,
} from '../../src/simulators/drchrono/index.ts';
import { type EpicSimulator, startEpicSimulator } from '../../src/simulators/epic/index.ts';
import { type RunningJaneSimulator, startJaneSimulator } from '../../src/simulators/jane/index.ts';
import type { Connection, Store } from '../../src/store/port.ts';
import { createSyncEngine, type SyncEngine } from '../../src/sync/sync-engine.ts';
import { connectDrChrono, connectJane } from '../connectors/helpers.ts';
import { type GraphQLHarness, openGraphQLHarness } from '../support/graphql-harness.ts';
import {
  changesAfter,
  connectEpic,
  projectMappings,
  realConnectors,
  serveJwks,
  silentLog,
} from '../sync/real-sources.ts';

type Loose = Record<string, unknown>;
const TENANT = 'fresh-t1';

/**
 * Finds with `fresh: true` against the three simulators over HTTP: the record is changed at the
 * source (through the source's own API), the find answers the source's current copy, the store
 * holds it, and the change log has exactly one event for it (none on a second fresh read, none on
 * the next poll).
 */
describe('X(id, fresh: true) reads through to the source', () => {
  let harness: GraphQLHarness;
  let store: Store;
  let jane: RunningJaneSimulator;
  let drchrono: RunningDrChronoSimulator;
  let epic: EpicSimulator;
  let jwks: { url: string; close(): Promise<void> };
  let connectors: Connector[];
  let sources: SourceAccess;
  let engine: SyncEngine;
  const connections: Record<string, Connection> = {};

  beforeAll(async () => {
    harness = await openGraphQLHarness();
    store = harness.store;
    [jane, drchrono, epic] = await Promise.all([
      startJaneSimulator({ seed: 41, patients: 2 }),
      startDrChronoSimulator({ seed: 42, patients: 2 }),
      startEpicSimulator({ seed: 43, patients: 2, bulkPollsBeforeComplete: 0 }),
    ]);
    jwks = await serveJwks(store);
    connectors = realConnectors(store);
    sources = { connectors, mappings: projectMappings(), scheme: createIdentityScheme() };
    connections.jane = await connectJane(store, jane, { tenant: TENANT, id: 'jane-1' });
    connections.drchrono = await connectDrChrono(store, drchrono, { tenant: TENANT, id: 'drc-1' });
    connections.epic = await connectEpic(store, epic, jwks.url, { tenant: TENANT, id: 'epic-1' });
    engine = createSyncEngine({
      store,
      mappings: sources.mappings,
      log: silentLog,
      holder: 'fresh-test',
      connectors,
    });
    for (const c of Object.values(connections)) {
      const run = await engine.runOnce(TENANT, c.id);
      expect(run.outcome, JSON.stringify(run.rows.filter((r) => r.error))).toBe('completed');
    }
  }, 60_000);
  afterAll(async () => {
    await engine?.stop();
    await Promise.all([jane?.close(), drchrono?.close(), epic?.close(), jwks?.close()]);
    await harness?.close();
  });

  const session = async (source: string): Promise<{ s: ConnectorSession; row(key: string): CatalogRow }> => {
    const connector = connectors.find((c) => c.source === source) as Connector;
    const s = await connector.open(connections[source] as Connection);
    return {
      s,
      row: (key) => connector.catalog.find((r) => r.key === key) as CatalogRow,
    };
  };

  /** A stored resource of the type from the connection, and its native id. */
  const storedOf = async (type: string, connection: string, sourceType: string) => {
    const page = await store.resources.list(TENANT, type, { limit: 500 });
    for (const item of page.items) {
      if (item.connection !== connection) continue;
      const identifier = (
        item.resource as { identifier?: { system?: string; value?: string }[] }
      ).identifier?.find((i) => i.system?.endsWith(`/${connection}/${sourceType}`));
      if (identifier?.value && !identifier.value.includes('#'))
        return { id: item.id, nativeId: identifier.value };
    }
    throw new Error(`no stored ${type} of ${connection}`);
  };

  const fresh = (
    type: string,
    id: string,
    selection: string,
    options: { tenant?: string; scopes?: never[] } = {},
  ) =>
    harness.run(options.tenant ?? TENANT, `{ ${type}(id: "${id}", fresh: true) { ${selection} } }`, {
      sources,
      ...(options.scopes ? { scopes: options.scopes } : {}),
    });

  /** Runs the fresh find; answers its data and the change events it appended. */
  const freshWithEvents = async (type: string, id: string, selection: string) => {
    const before = await changesAfter(store, undefined);
    const result = await fresh(type, id, selection);
    expect(result.errors).toBeUndefined();
    const after = await changesAfter(store, before.cursor);
    return { data: (result.data as Record<string, Loose>)[type] as Loose, events: after.changes };
  };

  const expectNoEventOnRepoll = async (connection: Connection) => {
    const { cursor } = await changesAfter(store, undefined);
    const run = await engine.runOnce(TENANT, connection.id);
    expect(run.outcome).toBe('completed');
    expect((await changesAfter(store, cursor)).changes.filter((c) => c.tenant === TENANT)).toEqual([]);
  };

  it('Jane: a note patched at the source is answered, stored and announced once', async () => {
    const { id, nativeId } = await storedOf('Observation', 'jane-1', 'observations');
    const { s, row } = await session('jane');
    await s.write(row('observations'), 'patch', { nativeId, body: { note: 'rechecked at the desk' } });
    const first = await freshWithEvents('Observation', id, 'id note { text }');
    expect(first.data).toEqual({ id, note: [{ text: 'rechecked at the desk' }] });
    // One event for it; a Jane observation with several readings gives one Observation each, and
    // each carries the note, so each is updated once too.
    expect(first.events.filter((e) => e.id === id)).toHaveLength(1);
    for (const e of first.events)
      expect([e.type, e.action, e.connection]).toEqual(['Observation', 'updated', 'jane-1']);
    expect(new Set(first.events.map((e) => e.id)).size).toBe(first.events.length);
    const stored = await store.resources.read(TENANT, 'Observation', id);
    expect((stored?.resource as { note?: unknown } | undefined)?.note).toEqual([
      { text: 'rechecked at the desk' },
    ]);
    // Unchanged since: a second fresh read and the next poll add nothing.
    expect((await freshWithEvents('Observation', id, 'id')).events).toEqual([]);
    await expectNoEventOnRepoll(connections.jane as Connection);
  });

  it('DrChrono: a patient edited at the source comes back fresh with its trigger; the plain find then agrees', async () => {
    const { id, nativeId } = await storedOf('Patient', 'drc-1', 'patients');
    const { s, row } = await session('drchrono');
    await s.write(row('patients'), 'patch', { nativeId, body: { email: 'fresh.read@example.org' } });
    const first = await freshWithEvents('Patient', id, 'id telecom { system value }');
    expect(first.data.telecom).toContainEqual({ system: 'email', value: 'fresh.read@example.org' });
    expect(first.events).toHaveLength(1);
    expect(first.events[0]).toMatchObject({ type: 'Patient', id, action: 'updated', backfill: false });
    expect(first.events[0]?.triggers).toContain('drchrono.patient.new_or_updated');
    const plain = await harness.run(TENANT, `{ Patient(id: "${id}") { telecom { system value } } }`);
    expect((plain.data as { Patient: Loose }).Patient.telecom).toContainEqual({
      system: 'email',
      value: 'fresh.read@example.org',
    });
    await expectNoEventOnRepoll(connections.drchrono as Connection);
  });

  it('Epic: an observation updated at the source (PUT) is read back through Observation/{id}', async () => {
    const { id, nativeId } = await storedOf('Observation', 'epic-1', 'Observation');
    const { s, row } = await session('epic');
    const current = (await s.read(row('Observation'), nativeId)) as Loose;
    await s.write(row('Observation'), 'update', {
      nativeId,
      body: { ...current, note: [{ text: 'verified by nurse' }] },
    });
    const first = await freshWithEvents('Observation', id, 'id note { text } subject { reference }');
    expect(first.data.note).toEqual([{ text: 'verified by nurse' }]);
    // References come back as gateway references, like a poll writes them.
    expect(String((first.data.subject as Loose).reference)).toMatch(/^Patient\/[a-z2-7]{32}$/);
    expect(first.events.map((e) => [e.type, e.id, e.action])).toEqual([['Observation', id, 'updated']]);
    expect(first.events[0]?.triggers).toContain('epic.observation.updated');
    expect((await freshWithEvents('Observation', id, 'id')).events).toEqual([]);
  });

  it('two fresh reads racing a poll over one changed record give one event between them', async () => {
    const { id, nativeId } = await storedOf('Observation', 'jane-1', 'observations');
    const { s, row } = await session('jane');
    await s.write(row('observations'), 'patch', { nativeId, body: { note: 'raced' } });
    const before = await changesAfter(store, undefined);
    const [a, b] = await Promise.all([
      fresh('Observation', id, 'note { text }'),
      fresh('Observation', id, 'note { text }'),
      engine.runOnce(TENANT, 'jane-1'),
    ]);
    for (const result of [a, b]) {
      expect(result.errors).toBeUndefined();
      expect(result.data).toEqual({ Observation: { note: [{ text: 'raced' }] } });
    }
    const events = (await changesAfter(store, before.cursor)).changes.filter((c) => c.id === id);
    expect(events.map((e) => e.action)).toEqual(['updated']);
  });

  it('a record the source no longer has: NOT_FOUND with an OperationOutcome naming ids only; the stored copy stays', async () => {
    const { id, nativeId } = await storedOf('Patient', 'drc-1', 'patients');
    const { s, row } = await session('drchrono');
    await s.write(row('patients'), 'delete', { nativeId });
    const result = await fresh('Patient', id, 'id');
    expect(result.errors?.[0]?.message).toBe(`drchrono no longer has the record behind Patient/${id}`);
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'NOT_FOUND',
      resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] },
    });
    expect((await store.resources.read(TENANT, 'Patient', id))?.deleted).toBe(false);
  });

  it('a source failing with 5xx: a TRANSIENT error with the cause code, nothing written', async () => {
    const { id } = await storedOf('Patient', 'jane-1', 'patients');
    const before = await changesAfter(store, undefined);
    jane.faults.update({ serverError: 1 });
    try {
      const result = await fresh('Patient', id, 'id');
      expect(result.errors?.[0]?.extensions?.code).toMatch(/^(TRANSIENT|EXCEPTION)$/);
      expect(result.errors?.[0]?.message).toMatch(new RegExp(`^jane refused the read of Patient/${id} \\(`));
    } finally {
      jane.faults.update({ serverError: 0 });
    }
    expect((await changesAfter(store, before.cursor)).changes).toEqual([]);
  });

  it('refuses before any source call: a connection that needs re-authorization, another tenant, no read scope, an unknown id', async () => {
    const { id } = await storedOf('Patient', 'epic-1', 'Patient');
    const calls = epic.counters.total();
    const other = await fresh('Patient', id, 'id', { tenant: 'fresh-t2' });
    expect(other.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const noScope = await fresh('Patient', id, 'id', { scopes: [] });
    expect(noScope.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const unknown = await fresh('Patient', 'no-such-id', 'id');
    expect(unknown.errors?.[0]).toMatchObject({ message: 'Patient/no-such-id not found' });
    await markNeedsReauth(store, TENANT, 'epic-1', 'test', new Date());
    const reauth = await fresh('Patient', id, 'id');
    expect(reauth.errors?.[0]?.extensions?.code).toBe('LOGIN');
    expect(epic.counters.total()).toBe(calls);
  });

  it('names the missing part when the process runs no connectors', async () => {
    const { id } = await storedOf('Patient', 'jane-1', 'patients');
    const result = await harness.run(TENANT, `{ Patient(id: "${id}", fresh: true) { id } }`);
    expect(result.errors?.[0]?.extensions?.code).toBe('NOT_SUPPORTED');
  });
});
