import { join } from 'node:path';
import type { Resource } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { createIdentityScheme } from '../../fhir/identity.ts';
import { loadMappingSet } from '../../mapping/load-mapping-set.ts';
import { loadMappingDefinitions } from '../../mapping/mapping-definitions.ts';
import { DRCHRONO_ACTION_SECTIONS, DRCHRONO_ACTIONS } from './actions.ts';
import { DRCHRONO_CATALOG } from './catalog.ts';
import { DRCHRONO_OPERATIONS } from './operations.ts';
import { DRCHRONO_WRITE_ROWS, drchronoCreateRow } from './write-rows.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const mappings = loadMappingSet({
  dir: join(root, 'mappings'),
  defs: loadMappingDefinitions(),
  scheme: createIdentityScheme(),
  sources: ['drchrono'],
});
const rows = new Map(DRCHRONO_CATALOG.map((r) => [r.key, r]));

describe("DrChrono's action decisions (issue 15 scope)", () => {
  it('hold every action of the five seed sections once: 98, counted per section', () => {
    expect(DRCHRONO_ACTIONS).toHaveLength(98);
    expect(new Set(DRCHRONO_ACTIONS.map((a) => a.id)).size).toBe(98);
    expect(new Set(DRCHRONO_ACTIONS.map((a) => a.seedName)).size).toBe(98);
    for (const [section, count] of Object.entries(DRCHRONO_ACTION_SECTIONS)) {
      expect(
        DRCHRONO_ACTIONS.filter((a) => a.section === section),
        section,
      ).toHaveLength(count);
    }
    for (const a of DRCHRONO_ACTIONS) expect(a.id, a.id).toMatch(/^drchrono\.[a-z_]+\.[a-z_]+$/);
  });

  it('give a reason for every decision that is not plainly available, and a GraphQL field for all', () => {
    for (const a of DRCHRONO_ACTIONS) {
      expect(a.graphqlField, a.id).toMatch(/^[A-Za-z]+$/);
      if (a.status === 'available') expect(a.reason, a.id).toBeUndefined();
      else expect(a.reason?.length ?? 0, a.id).toBeGreaterThan(20);
    }
  });

  it('point available and alternative CRUD actions at a row that offers the operation, with a write-back mapping', () => {
    for (const a of DRCHRONO_ACTIONS) {
      if (a.status === 'not_yet_available' || a.kind === 'operation') continue;
      const row = rows.get(a.row ?? '');
      expect(row, a.id).toBeDefined();
      expect(row?.operations, a.id).toContain(a.operation);
      expect(row?.fhirTypes, a.id).toContain(a.resourceType);
      const suffix = { create: 'Create', update: 'Update', delete: 'Delete', find: '' }[a.kind];
      // A find is the read query, or for list-shaped seed actions (batch jobs) the list query.
      expect(
        [`${a.resourceType}${suffix}`, ...(a.kind === 'find' ? [`${a.resourceType}List`] : [])],
        a.id,
      ).toContain(a.graphqlField);
      expect(row?.actions, a.id).toContain(a.id);
      if (a.kind === 'create' || a.kind === 'update') {
        const entity = row?.entity ?? '';
        const writable = mappings
          .mappingsFor('drchrono', entity)
          .some((m) => m.target === a.resourceType && m.hasReverse);
        expect(writable, `${a.id}: reverse mapping of ${entity}`).toBe(true);
      }
    }
  });

  it('tie every named-operation action to its NamedOperation, and every NamedOperation back', () => {
    const ops = new Map(DRCHRONO_OPERATIONS.map((o) => [o.id, o]));
    expect(ops.size).toBe(DRCHRONO_OPERATIONS.length);
    for (const a of DRCHRONO_ACTIONS.filter((x) => x.namedOperation !== undefined)) {
      const op = ops.get(a.namedOperation ?? '');
      expect(op, a.id).toBeDefined();
      expect(op?.graphqlField, a.id).toBe(a.graphqlField);
      expect(op?.actions, a.id).toContain(a.id);
      expect(rows.has(op?.row ?? ''), a.id).toBe(true);
    }
    for (const op of DRCHRONO_OPERATIONS) {
      expect(op.graphqlField, op.id).toMatch(/^drchrono[A-Z][A-Za-z]+$/);
      for (const id of op.actions)
        expect(DRCHRONO_ACTIONS.find((a) => a.id === id)?.namedOperation, id).toBe(op.id);
    }
  });

  it('route every create to one row that can take it', () => {
    for (const w of DRCHRONO_WRITE_ROWS) {
      expect(rows.get(w.row)?.operations, w.row).toContain('create');
      expect(rows.get(w.row)?.fhirTypes, w.row).toContain(w.resourceType);
    }
    const taskNote = {
      resourceType: 'Communication',
      status: 'completed',
      category: [
        { coding: [{ system: 'urn:fhir-gateway:codesystem:drchrono:message-kind', code: 'task-note' }] },
      ],
    } as const;
    expect(drchronoCreateRow(taskNote)).toEqual({ row: 'task_notes' });
    expect(drchronoCreateRow({ resourceType: 'Patient' })).toEqual({ row: 'patients' });
    const unsaid = drchronoCreateRow({ resourceType: 'Communication', status: 'completed' } as Resource);
    expect(unsaid).toMatchObject({ reason: expect.stringContaining('must say which record it is') });
    expect(drchronoCreateRow({ resourceType: 'Immunization' } as Resource)).toMatchObject({
      reason: expect.stringContaining('no create for Immunization'),
    });
    const scan = { coding: [{ system: 'http://loinc.org', code: '11503-0' }] };
    const amendment = [
      { coding: [{ system: 'urn:fhir-gateway:codesystem:drchrono:document-category', code: 'amendment' }] },
    ];
    expect(drchronoCreateRow({ resourceType: 'DocumentReference', type: scan } as Resource)).toEqual({
      row: 'documents',
    });
    expect(
      drchronoCreateRow({ resourceType: 'DocumentReference', type: scan, category: amendment } as Resource),
    ).toEqual({ row: 'amendments' });
    const exam = [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'exam' }] },
    ];
    expect(drchronoCreateRow({ resourceType: 'Observation', category: exam } as Resource)).toEqual({
      row: 'patient_physical_exams',
    });
    const cqm = [{ coding: [{ system: 'http://snomed.info/sct', code: '315640000' }] }];
    expect(drchronoCreateRow({ resourceType: 'Communication', category: cqm } as Resource)).toEqual({
      row: 'patient_communications',
    });
  });
});
