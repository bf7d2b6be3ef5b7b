import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceAccess } from '../../src/actions/find/read-through.ts';
import type { CatalogRow } from '../../src/connectors/connector.ts';
import { DRCHRONO_ACTIONS } from '../../src/connectors/drchrono/actions.ts';
import { DRCHRONO_CATALOG } from '../../src/connectors/drchrono/catalog.ts';
import { createIdentityScheme } from '../../src/fhir/identity.ts';
import {
  type RunningDrChronoSimulator,
  startDrChronoSimulator,
} from '../../src/simulators/drchrono/index.ts';
import type { Connection, Store } from '../../src/store/port.ts';
import { createSyncEngine, type SyncEngine } from '../../src/sync/sync-engine.ts';
import { connectDrChrono } from '../connectors/helpers.ts';
import { type GraphQLHarness, openGraphQLHarness } from '../support/graphql-harness.ts';
import { DRCHRONO_CHART_ROWS } from './drchrono-chart-rows.ts';
import { changesAfter, projectMappings, realConnectors, silentLog } from './real-sources.ts';

type Loose = Record<string, unknown>;
const TENANT = 'chart-finds';
const CONNECTION = 'drc-chart';

/**
 * The finds of DrChrono's chart, now that its rows are synced: after a sync against the simulator,
 * `X(id)` answers the stored resource of every chart row, and `X(id, fresh: true)` reads it through
 * to DrChrono (unchanged: no event). A record changed at the source comes back fresh with exactly
 * one event; the signed consent forms of a patient list by patient.
 */
const CHART = DRCHRONO_CHART_ROWS;

describe('DrChrono chart finds over GraphQL', () => {
  let harness: GraphQLHarness;
  let store: Store;
  let sim: RunningDrChronoSimulator;
  let connection: Connection;
  let sources: SourceAccess;
  let engine: SyncEngine;
  let headers: Record<string, string>;

  beforeAll(async () => {
    harness = await openGraphQLHarness();
    store = harness.store;
    sim = await startDrChronoSimulator({ seed: 52, patients: 3, rateLimits: false });
    const connectors = realConnectors(store, { limits: 'off' });
    sources = { connectors, mappings: projectMappings(), scheme: createIdentityScheme() };
    connection = await connectDrChrono(store, sim, { tenant: TENANT, id: CONNECTION });
    headers = {
      authorization: `Bearer ${sim.issueAccessToken().accessToken}`,
      'content-type': 'application/json',
    };
    engine = createSyncEngine({
      store,
      mappings: sources.mappings,
      log: silentLog,
      holder: 'finds',
      connectors,
    });
    const run = await engine.runOnce(TENANT, connection.id);
    expect(run.outcome, JSON.stringify(run.rows.filter((r) => r.error))).toBe('completed');
  }, 60_000);
  afterAll(async () => {
    await engine?.stop();
    await sim?.close();
    await harness?.close();
  });

  /** A stored resource of the row (by its native-id identifier), and that native id. */
  const storedOf = async (row: CatalogRow, type: string) => {
    const page = await store.resources.list(TENANT, type, { limit: 1000 });
    for (const item of page.items) {
      const identifier = (
        item.resource as { identifier?: { system?: string; value?: string }[] }
      ).identifier?.find((i) => i.system?.endsWith(`/${CONNECTION}/${row.key}`));
      if (identifier?.value && !identifier.value.includes('#'))
        return { id: item.id, nativeId: identifier.value };
    }
    throw new Error(`no stored ${type} of ${row.key}`);
  };
  const find = async (type: string, id: string, selection: string, fresh = false) => {
    const result = await harness.run(
      TENANT,
      `{ ${type}(id: "${id}"${fresh ? ', fresh: true' : ''}) { ${selection} } }`,
      {
        sources,
      },
    );
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    return (result.data as Record<string, Loose>)[type] as Loose;
  };

  it('every chart find the action table marked available names a synced row', () => {
    const finds = DRCHRONO_ACTIONS.filter((a) => a.kind === 'find' && a.status === 'available' && a.row);
    for (const id of [
      'drchrono.patient_communication.read',
      'drchrono.patient_intervention.read',
      'drchrono.patient_risk_assessment.read',
      'drchrono.amendment.read',
      'drchrono.signed_consent_form.read',
      'drchrono.signed_consent_form.list_by_patient',
    ]) {
      const action = finds.find((a) => a.id === id);
      expect(action, id).toBeDefined();
      const row = DRCHRONO_CATALOG.find((r) => r.key === action?.row);
      expect(row?.polledBy, id).toBeUndefined();
    }
  });

  it.each(CHART.map((r) => [r.key, r] as const))(
    '%s: X(id) answers the synced resource; fresh reads it through, unchanged',
    async (_key, row) => {
      const type = row.fhirTypes[0] as string;
      const { id } = await storedOf(row, type);
      expect(await find(type, id, 'id')).toEqual({ id });
      const before = await changesAfter(store, undefined);
      if (row.operations.includes('read')) expect(await find(type, id, 'id', true)).toEqual({ id });
      else {
        // DrChrono cannot read it by id (authorizations): a clear refusal, nothing written.
        const refused = await harness.run(TENANT, `{ ${type}(id: "${id}", fresh: true) { id } }`, {
          sources,
        });
        expect(refused.errors?.[0]?.message).toMatch(/cannot be read by id from drchrono/);
      }
      expect((await changesAfter(store, before.cursor)).changes).toEqual([]);
    },
  );

  it.each([
    ['patient_communications', 'Communication', 'sent'],
    ['patient_interventions', 'Procedure', 'performedDateTime'],
    ['patient_risk_assessments', 'Observation', 'effectiveDateTime'],
  ] as const)('%s changed at DrChrono comes back fresh, announced once', async (key, type, field) => {
    const row = CHART.find((r) => r.key === key) as CatalogRow;
    const { id, nativeId } = await storedOf(row, type);
    const res = await fetch(`${sim.url}${row.path}/${nativeId}`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ effective_time: '2026-10-05T09:15:00' }),
    });
    expect(res.status).toBeLessThan(300);
    const before = await changesAfter(store, undefined);
    const answer = await find(type, id, `id ${field}`, true);
    expect(String(answer[field])).toMatch(/^2026-10-05T09:15:00/);
    const events = (await changesAfter(store, before.cursor)).changes;
    expect(events.map((e) => [e.type, e.id, e.action, e.connection])).toEqual([
      [type, id, 'updated', CONNECTION],
    ]);
    expect(String((await find(type, id, field))[field])).toMatch(/^2026-10-05T09:15:00/);
  });

  it('an amendment changed at DrChrono comes back fresh, announced once', async () => {
    const row = CHART.find((r) => r.key === 'amendments') as CatalogRow;
    const { id, nativeId } = await storedOf(row, 'DocumentReference');
    const res = await fetch(`${sim.url}${row.path}/${nativeId}`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ comments: 'Corrected the date of onset' }),
    });
    expect(res.status).toBeLessThan(300);
    const before = await changesAfter(store, undefined);
    const answer = await find('DocumentReference', id, 'id description', true);
    expect(JSON.stringify(answer)).toContain('Corrected the date of onset');
    const events = (await changesAfter(store, before.cursor)).changes;
    expect(events.map((e) => [e.id, e.action])).toEqual([[id, 'updated']]);
  });

  it("lists a patient's signed consent forms (DocumentReferenceList by patient and type)", async () => {
    const row = CHART.find((r) => r.key === 'signed_consent_forms') as CatalogRow;
    const { id } = await storedOf(row, 'DocumentReference');
    const stored = await store.resources.read(TENANT, 'DocumentReference', id);
    const patient =
      (stored?.resource as { subject?: { reference?: string } } | undefined)?.subject?.reference ?? '';
    expect(patient).toMatch(/^Patient\//);
    const result = await harness.run(
      TENANT,
      `{ DocumentReferenceList(patient: ["${patient}"], type: ["http://loinc.org|59284-0"]) { id subject { reference } } }`,
      { sources },
    );
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    const list = (
      result.data as { DocumentReferenceList: Array<{ id: string; subject: { reference: string } }> }
    ).DocumentReferenceList;
    expect(list.map((d) => d.id)).toContain(id);
    for (const d of list) expect(d.subject.reference).toBe(patient);
  });
});

// The seed actions this file tests through GraphQL (test/actions/drchrono-every-action.test.ts
// counts an available action as tested when its id is quoted in a test file).
const SEED_ACTIONS_TESTED_HERE = [
  'drchrono.patient_communication.read',
  'drchrono.patient_intervention.read',
  'drchrono.patient_risk_assessment.read',
  'drchrono.amendment.read',
  'drchrono.signed_consent_form.list_by_patient',
  'drchrono.signed_consent_form.read',
];

describe('seed actions tested in this file', () => {
  it('are all available in the action catalog', () => {
    for (const id of SEED_ACTIONS_TESTED_HERE)
      expect(DRCHRONO_ACTIONS.find((a) => a.id === id)?.status, id).toBe('available');
  });
});
