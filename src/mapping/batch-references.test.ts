import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { createIdentityScheme } from '../fhir/identity.ts';
import { gatewayReference } from '../fhir/references.ts';
import { batchReferenceResolver } from './batch-references.ts';
import { goldenScope } from './fixtures.ts';
import { loadMappingSet } from './load-mapping-set.ts';
import { loadMappingDefinitions } from './mapping-definitions.ts';
import type { Loose } from './test-support.ts';

/** Epic references that name no id (Bundle fullUrls, conditional references) resolve in the batch. */
const mappingsDir = join(import.meta.dirname, '..', '..', 'mappings');
const set = loadMappingSet({
  dir: mappingsDir,
  defs: loadMappingDefinitions(),
  scheme: createIdentityScheme(),
  sources: ['epic'],
});
const scope = goldenScope('epic');
const input = (name: string) =>
  JSON.parse(readFileSync(join(mappingsDir, 'epic', 'fixtures', `${name}.input.json`), 'utf8')).record;
const observation = input('observation-1');
const patient = input('patient-1') as Resource & { identifier: Array<{ system: string; value: string }> };
const mrn = patient.identifier[1] as { system: string; value: string };
const patientRef = gatewayReference(scope, {
  resourceType: 'Patient',
  sourceType: 'Patient',
  nativeId: patient.id as string,
});
const uuid = 'urn:uuid:8c3f7a52-1111-4a6e-9d1e-000000000001';
const batch = batchReferenceResolver([{ fullUrl: uuid, resource: patient }, { resource: observation }]);

describe('fullUrl and conditional references', () => {
  it('resolve a urn:uuid reference to the gateway id of the batch entry with that fullUrl', () => {
    const record = { ...observation, subject: { reference: uuid, display: 'x' } };
    const result = set.forward('epic', 'Observation', record, scope, { resolveReference: batch });
    if (!result.ok) throw new Error(JSON.stringify(result));
    expect((result.resources[0] as Loose).subject).toEqual({ ...patientRef, display: 'x' });
    expect(record.subject.reference).toBe(uuid); // the input is not changed
  });

  it('resolve a conditional reference by identifier to the one matching resource', () => {
    const reference = `Patient?identifier=${encodeURIComponent(`${mrn.system}|${mrn.value}`)}`;
    const result = set.forward('epic', 'Observation', { ...observation, subject: { reference } }, scope, {
      resolveReference: batch,
    });
    if (!result.ok) throw new Error(JSON.stringify(result));
    expect((result.resources[0] as Loose).subject).toEqual(patientRef);
  });

  it('fail the record with a reason that says what is unresolved, naming no value', () => {
    const ambiguous = batchReferenceResolver([
      { resource: patient },
      { resource: { ...patient, id: 'eOther' } as Resource },
    ]);
    const cases = [
      [{ reference: uuid }, undefined, 'no entry of the batch has this fullUrl'],
      [{ reference: `Patient?identifier=${mrn.system}|${mrn.value}` }, ambiguous, 'no single match'],
    ] as const;
    for (const [subject, resolveReference, reason] of cases) {
      const result = set.forward('epic', 'Observation', { ...observation, subject }, scope, {
        ...(resolveReference ? { resolveReference } : {}),
      });
      expect(result).toMatchObject({
        ok: false,
        reason: expect.stringContaining(reason),
        path: 'Observation.subject.reference',
      });
      expect(JSON.stringify(result)).not.toContain(mrn.value);
    }
  });
});
