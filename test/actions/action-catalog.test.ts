import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_CATALOG } from '../../src/actions/catalog/action-catalog.ts';
import { printCoverage } from '../../src/actions/catalog/print-coverage.ts';
import { actionIdsOfRow, resolveActions, rootFieldsOf } from '../../src/actions/catalog/resolve-actions.ts';
import type { SourceAccess } from '../../src/actions/find/read-through.ts';
import { createConnectors } from '../../src/connectors/registry.ts';
import { createIdentityScheme } from '../../src/fhir/identity.ts';
import { withAdminFields } from '../../src/graphql/admin/with-admin-fields.ts';
import { SEARCH_RULES } from '../../src/simulators/epic/search-parameters.ts';
import type { Store } from '../../src/store/port.ts';
import { type GraphQLHarness, gatewaySchema, openGraphQLHarness } from '../support/graphql-harness.ts';
import { projectMappings, silentLog } from '../sync/real-sources.ts';

const connectors = Object.values(createConnectors({ store: {} as Store, log: silentLog }));
const sources: SourceAccess = { connectors, mappings: projectMappings(), scheme: createIdentityScheme() };

describe('the action catalog as built', () => {
  const served = withAdminFields(gatewaySchema().schema);
  const resolved = resolveActions(ACTION_CATALOG, { ...sources, rootFields: rootFieldsOf(served) });

  it('claims a field only when the built schema has it', () => {
    const fields = rootFieldsOf(served);
    const servable = resolved.filter((a) => a.status === 'available' || a.status === 'alternative');
    expect(servable.length).toBeGreaterThan(0);
    for (const a of servable) expect(fields.has(a.field ?? ''), `${a.id} → ${a.field}`).toBe(true);
  });

  it('agrees with the connector catalog rows: each row lists exactly the actions that go through it', () => {
    for (const connector of connectors)
      for (const row of connector.catalog)
        expect([...row.actions].sort(), `${row.source} ${row.key}`).toEqual(
          actionIdsOfRow(ACTION_CATALOG, row).sort(),
        );
    // And no action names a row the way the connector does not spell it.
    for (const a of ACTION_CATALOG.filter((x) => x.status === 'available' && x.source !== 'drchrono'))
      expect(
        connectors.find((c) => c.source === a.source)?.catalog.some((r) => r.key === a.row),
        a.id,
      ).toBe(true);
  });

  it("decides Epic's creates by what Epic's R4 API offers (the simulator's CapabilityStatement rules)", () => {
    for (const a of ACTION_CATALOG.filter((x) => x.source === 'epic' && x.id.endsWith('.create'))) {
      const offers = SEARCH_RULES[a.fhirType ?? '']?.interactions.includes('create') ?? false;
      if (offers)
        expect([a.kind, a.status, a.field], a.id).toEqual(['create', 'available', `${a.fhirType}Create`]);
      else expect(['alternative', 'unsupported_by_source'], a.id).toContain(a.status);
      const row = connectors.find((c) => c.source === 'epic')?.catalog.find((r) => r.key === a.fhirType);
      expect(row?.operations.includes('create'), a.id).toBe(offers);
    }
  });

  it('docs/coverage.md is current (run `npm run coverage:print` when this fails)', () => {
    const committed = readFileSync(new URL('../../docs/coverage.md', import.meta.url), 'utf8');
    expect(committed).toBe(printCoverage(gatewaySchema().definitions));
  });
});

describe('the actions query', () => {
  let harness: GraphQLHarness;
  beforeAll(async () => {
    harness = await openGraphQLHarness();
  });
  afterAll(async () => harness.close());

  const query = `query ($source: ActionSource, $status: ActionStatus, $kind: ActionKind) {
    actions(source: $source, status: $status, kind: $kind) { id source seedName kind status declaredStatus field reason }
  }`;
  type Row = {
    id: string;
    source: string;
    kind: string;
    status: string;
    field: string | null;
    reason: string | null;
  };
  const run = async (variables: Record<string, unknown> = {}) => {
    const result = await harness.run('t1', query, { variables, sources });
    expect(result.errors).toBeUndefined();
    return (result.data as { actions: Row[] }).actions;
  };

  it('lists all 202, filtered by source, status and kind together', async () => {
    expect(await run()).toHaveLength(202);
    expect(await run({ source: 'epic' })).toHaveLength(10);
    const finds = await run({ source: 'jane', kind: 'find' });
    expect(finds.map((a) => a.id)).toContain('jane.patient.find');
    expect(finds.every((a) => a.kind === 'find' && a.source === 'jane')).toBe(true);
    const unsupported = await run({ status: 'unsupported_by_source' });
    expect(unsupported.map((a) => a.id)).toContain('epic.encounter.create');
    expect(unsupported.every((a) => a.reason && a.field === null)).toBe(true);
    const epicFind = (await run({ source: 'epic', status: 'available' })).find(
      (a) => a.id === 'epic.patient.find',
    );
    expect(epicFind).toMatchObject({ field: 'Patient', kind: 'find' });
  });

  it('needs the read scope, and says so when the process runs no connectors', async () => {
    const noScope = await harness.run('t1', query, { scopes: [], sources });
    expect(noScope.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    const noSources = await harness.run('t1', query);
    expect(noSources.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_SUPPORTED' });
  });
});
