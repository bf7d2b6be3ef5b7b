import { describe, expect, it } from 'vitest';
import { ACTION_CATALOG } from './action-catalog.ts';
import type { ActionDefinition } from './action-definition.ts';
import { type ActionEnvironment, resolveActions } from './resolve-actions.ts';

const count = (source: string) => ACTION_CATALOG.filter((a) => a.source === source);
const groups = (source: string) => {
  const out: Record<string, number> = {};
  for (const a of count(source)) out[a.group] = (out[a.group] ?? 0) + 1;
  return out;
};

describe('the action catalog (data)', () => {
  it('holds all 202 seed actions: Jane 18, DrChrono 174, Epic 10, with unique ids and seed names', () => {
    expect(ACTION_CATALOG).toHaveLength(202);
    expect(new Set(ACTION_CATALOG.map((a) => a.id)).size).toBe(202);
    for (const [source, n] of [
      ['jane', 18],
      ['drchrono', 174],
      ['epic', 10],
    ] as const) {
      expect(count(source), source).toHaveLength(n);
      expect(new Set(count(source).map((a) => a.seedName)).size, source).toBe(n);
      for (const a of count(source))
        expect(a.id, a.seedName).toMatch(new RegExp(`^${source}\\.[a-z0-9_]+\\.[a-z_]+$`));
    }
  });

  it('follows the seed pages section by section', () => {
    expect(groups('jane')).toEqual({ Observations: 3, 'Care Plans': 6, Medications: 3, 'Clinic Records': 6 });
    expect(groups('epic')).toEqual({
      Appointments: 2,
      'Document References': 2,
      Encounters: 2,
      Observations: 2,
      Patients: 2,
    });
    expect(groups('drchrono')).toEqual({
      'Doctor & User': 3,
      'Patient Management': 30,
      Appointments: 27,
      'Clinical Notes': 14,
      'Lab & Diagnostics': 23,
      'Medications & Vaccines': 8,
      'Billing & Insurance': 18,
      'Documents & Consent Forms': 12,
      'Allergies, Problems & Care': 8,
      'Offices & Staff': 9,
      'Messaging & Communication': 7,
      Tasks: 15,
    });
  });

  it('gives every action that is not plainly available a reason, and every servable one a field', () => {
    for (const a of ACTION_CATALOG) {
      if (a.status !== 'available') expect(a.reason, a.id).toEqual(expect.any(String));
      if (a.status === 'available' || a.status === 'alternative')
        expect(a.field, a.id).toEqual(expect.any(String));
      if (a.kind === 'operation' && a.status === 'available') expect(a.operation, a.id).toBeDefined();
      if (a.write) expect(a.kind === 'create' || a.kind === 'update' || a.kind === 'delete', a.id).toBe(true);
    }
  });

  it('names fields by the conventions: X / XList for finds, XCreate/XUpdate/XPatch/XDelete for writes', () => {
    const suffix = { create: 'Create', update: 'Update', patch: 'Patch', delete: 'Delete' } as const;
    for (const a of ACTION_CATALOG) {
      if (!a.field || !a.fhirType) continue;
      if (a.kind === 'find') expect([a.fhirType, `${a.fhirType}List`], a.id).toContain(a.field);
      if (a.write) expect(a.field, a.id).toBe(`${a.fhirType}${suffix[a.write]}`);
      if (a.kind === 'operation') expect(a.field, a.id).toMatch(new RegExp(`^${a.source}[A-Z][A-Za-z]+$`));
    }
  });
});

describe('resolving declared actions against what is built', () => {
  const declared: ActionDefinition[] = [
    {
      id: 'jane.observation.create',
      source: 'jane',
      seedName: 'Create Observation',
      group: 'Observations',
      kind: 'create',
      status: 'available',
      field: 'ObservationCreate',
      fhirType: 'Observation',
      row: 'observations',
      write: 'create',
      payload: 'reverse-mapping',
    },
    {
      id: 'jane.observation.find',
      source: 'jane',
      seedName: 'Find Observation',
      group: 'Observations',
      kind: 'find',
      status: 'available',
      field: 'Observation',
      fhirType: 'Observation',
      row: 'observations',
    },
    {
      id: 'epic.encounter.create',
      source: 'epic',
      seedName: 'Create encounter',
      group: 'Encounters',
      kind: 'create',
      status: 'unsupported_by_source',
      reason: 'no create',
    },
  ];
  const row = {
    key: 'observations',
    source: 'jane' as const,
    path: '/x',
    idField: 'id',
    entity: 'observations',
    fhirTypes: ['Observation'],
    paging: 'none' as const,
    cursor: 'full-scan' as const,
    operations: ['read', 'create'] as const,
    scopes: [],
    triggers: [],
    actions: [],
  };
  const env = (over: Partial<ActionEnvironment> & { reverse?: boolean } = {}): ActionEnvironment => ({
    rootFields: new Set(['Observation', 'ObservationCreate']),
    connectors: [{ source: 'jane', catalog: [row] }],
    mappings: {
      mappingsFor: (_s, entity) =>
        entity === 'observations'
          ? ([{ target: 'Observation', hasReverse: over.reverse ?? true }] as never)
          : [],
    },
    ...over,
  });
  const statusOf = (e: ActionEnvironment) =>
    Object.fromEntries(resolveActions(declared, e).map((a) => [a.id, [a.status, a.reason]]));

  it('keeps what is there, and never lowers a source decision', () => {
    expect(statusOf(env())).toEqual({
      'jane.observation.create': ['available', undefined],
      'jane.observation.find': ['available', undefined],
      'epic.encounter.create': ['unsupported_by_source', 'no create'],
    });
  });

  it('reports a missing field, row, operation or reverse mapping as not yet available, naming it', () => {
    expect(statusOf(env({ rootFields: new Set(['Observation']) }))['jane.observation.create']).toEqual([
      'not_yet_available',
      'the field ObservationCreate is not in the schema yet',
    ]);
    expect(statusOf(env({ reverse: false }))['jane.observation.create']).toEqual([
      'not_yet_available',
      'no write-back (reverse) mapping of Observation to jane:observations yet',
    ]);
    expect(
      statusOf(env({ connectors: [{ source: 'jane', catalog: [{ ...row, operations: ['read'] }] }] }))[
        'jane.observation.create'
      ],
    ).toEqual(['not_yet_available', 'the jane observations row does not offer create']);
    expect(statusOf(env({ connectors: [{ source: 'jane', catalog: [] }] }))['jane.observation.find']).toEqual(
      ['not_yet_available', 'the jane connector has no observations row yet'],
    );
    // Two rows write Observation: the mutation layer sends the create to the first.
    const earlier = { ...row, key: 'vitals', entity: 'observations' };
    expect(
      statusOf(env({ connectors: [{ source: 'jane', catalog: [earlier, row] }] }))['jane.observation.create'],
    ).toEqual([
      'not_yet_available',
      'ObservationCreate on jane goes to the vitals row: routing it to observations is not built yet',
    ]);
    const resolved = resolveActions(declared, env({ rootFields: new Set() }));
    expect(resolved.find((a) => a.id === 'jane.observation.find')?.declaredStatus).toBe('available');
  });
});
