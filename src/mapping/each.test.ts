import { describe, expect, it } from 'vitest';
import { createIdentityScheme, gatewayId } from '../fhir/identity.ts';
import { loadMappingSet } from './load-mapping-set.ts';
import { loadMappingDefinitions } from './mapping-definitions.ts';
import { type Loose, writeMappingDir } from './test-support.ts';

const defs = loadMappingDefinitions();
const scheme = createIdentityScheme();
const scope = { tenant: 't1', connectionId: 'dc-1', source: 'drchrono' as const };

const vitalsFile = (each: string, qualifier: string | undefined) =>
  [
    'source: drchrono',
    'entity: appointments',
    'target: Observation',
    'id: "=id"',
    `each: "${each}"`,
    ...(qualifier ? [`qualifier: "${qualifier}"`] : []),
    'template:',
    '  status: final',
    '  code:',
    '    text: "=%item.key"',
    '  valueQuantity:',
    '    value: "=%item.value"',
    '  note:',
    '    - text: "=%index.toString() + \' of \' + %record.id.toString()"',
    '',
  ].join('\n');

describe('top-level each', () => {
  it('maps every item to its own resource, with the qualifier as part of its id', () => {
    const dir = writeMappingDir({
      'drchrono/vitals.yaml': vitalsFile('=entries(vitals)', '=%item.key'),
    });
    const set = loadMappingSet({ dir, defs, scheme });
    const result = set.forward(
      'drchrono',
      'appointments',
      { id: 7, vitals: { pulse: 72, height: '', weight: 70, bmi: null } },
      scope,
    );
    if (!result.ok) throw new Error(JSON.stringify(result));
    const resources = result.resources as Loose[];
    expect(resources.map((r) => [r.code.text, r.valueQuantity.value, r.note[0].text])).toEqual([
      ['pulse', 72, '0 of 7'],
      ['weight', 70, '1 of 7'],
    ]);
    expect(resources.map((r) => r.id)).toEqual([
      gatewayId({ ...scope, sourceType: 'appointments', nativeId: '7', qualifier: 'pulse' }),
      gatewayId({ ...scope, sourceType: 'appointments', nativeId: '7', qualifier: 'weight' }),
    ]);
    expect(resources[0]?.identifier).toEqual([
      {
        use: 'secondary',
        system: 'https://fhir-gateway.example/sid/drchrono/dc-1/appointments',
        value: '7#pulse',
      },
    ]);
  });

  it('gives no resource (a skip when no other file maps the record) for no items', () => {
    const dir = writeMappingDir({ 'drchrono/vitals.yaml': vitalsFile('=entries(vitals)', '=%item.key') });
    const set = loadMappingSet({ dir, defs, scheme });
    expect(set.forward('drchrono', 'appointments', { id: 7, vitals: {} }, scope)).toEqual({
      ok: false,
      skipped: true,
    });
  });

  it('fails the record when two items get the same qualifier', () => {
    const dir = writeMappingDir({ 'drchrono/vitals.yaml': vitalsFile('=entries(vitals)', "='same'") });
    const set = loadMappingSet({ dir, defs, scheme });
    expect(set.forward('drchrono', 'appointments', { id: 7, vitals: { a: 1, b: 2 } }, scope)).toEqual({
      ok: false,
      reason: 'qualifier must differ between the items of each',
      path: 'Observation (qualifier)',
      mapping: 'drchrono/vitals.yaml',
    });
  });

  it("gives the item whose qualifier is empty the record's own identity, and refuses two such items", () => {
    const dir = writeMappingDir({
      'drchrono/vitals.yaml': vitalsFile('=entries(vitals)', '=iif(%index = 0, {}, %item.key)'),
    });
    const set = loadMappingSet({ dir, defs, scheme });
    const result = set.forward(
      'drchrono',
      'appointments',
      { id: 7, vitals: { pulse: 60, weight: 80 } },
      scope,
    );
    expect(result.ok && result.resources.map((r) => r.id)).toEqual([
      gatewayId({ ...scope, sourceType: 'appointments', nativeId: '7' }),
      gatewayId({ ...scope, sourceType: 'appointments', nativeId: '7', qualifier: 'weight' }),
    ]);
    expect(result.ok && result.resources.map((r) => (r as Loose).identifier[0].value)).toEqual([
      '7',
      '7#weight',
    ]);
    const twoMain = writeMappingDir({ 'drchrono/vitals.yaml': vitalsFile('=entries(vitals)', '={}') });
    expect(
      loadMappingSet({ dir: twoMain, defs, scheme }).forward(
        'drchrono',
        'appointments',
        { id: 7, vitals: { pulse: 60, weight: 80 } },
        scope,
      ),
    ).toMatchObject({ ok: false, reason: 'qualifier must differ between the items of each' });
  });

  it('needs a qualifier, and keeps %item out of the other top-level expressions', () => {
    const noQualifier = writeMappingDir({
      'drchrono/vitals.yaml': vitalsFile('=entries(vitals)', undefined),
    });
    expect(() => loadMappingSet({ dir: noQualifier, defs, scheme })).toThrow(
      /each: each needs a qualifier: every item becomes a resource with its own id/,
    );
    const itemInEach = writeMappingDir({ 'drchrono/vitals.yaml': vitalsFile('=%item', '=%item.key') });
    expect(() => loadMappingSet({ dir: itemInEach, defs, scheme })).toThrow(
      /each: %item is not defined here/,
    );
  });
});
