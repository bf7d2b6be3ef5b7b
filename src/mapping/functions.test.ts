import type { Resource } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { createIdentityScheme, gatewayId } from '../fhir/identity.ts';
import { loadMappingSet } from './load-mapping-set.ts';
import { loadMappingDefinitions } from './mapping-definitions.ts';
import type { MapResult } from './mapping-set.ts';
import { conceptMap, type Loose, writeMappingDir } from './test-support.ts';

const defs = loadMappingDefinitions();
const scheme = createIdentityScheme();
const scope = { tenant: 't1', connectionId: 'dc-1', source: 'drchrono' as const };

const maps = {
  'conceptmaps/sex-fail.json': conceptMap('sex-fail', { M: 'male', F: 'female' }),
  'conceptmaps/sex-provided.json': conceptMap('sex-provided', { M: 'male' }, { mode: 'provided' }),
  'conceptmaps/sex-fixed.json': conceptMap(
    'sex-fixed',
    { M: 'male' },
    { mode: 'fixed', code: 'unknown', display: 'Unknown' },
  ),
};

/** Maps `record` with a DrChrono Basic mapping; `template` is YAML under `template:`. */
function map(template: string, record: Record<string, unknown>): MapResult {
  const dir = writeMappingDir({
    ...maps,
    'drchrono/thing.yaml': `source: drchrono\nentity: things\ntarget: Basic\nid: "=id"\nconceptMaps: [sex-fail, sex-provided, sex-fixed]\ntemplate:\n  code:\n    text: thing\n${template}`,
  });
  return loadMappingSet({ dir, defs, scheme }).forward('drchrono', 'things', { id: 'r1', ...record }, scope);
}

const out = (result: MapResult) => {
  if (!result.ok) throw new Error(JSON.stringify(result));
  return result.resources[0] as Resource & Loose;
};
/** Basic.code.coding is a free place to put codes and Codings. */
const coding = (expression: string) => `    coding:\n      - system: urn:x\n        code: "${expression}"\n`;

describe('translate()', () => {
  it('gives the target code of a listed code', () => {
    expect(out(map(coding("=translate('sex-fail', sex)"), { sex: 'F' })).code.coding[0].code).toBe('female');
  });

  it('fails the record for an unlisted code when the group has no unmapped (mode fail)', () => {
    expect(map(coding("=translate('sex-fail', sex)"), { sex: 'X' })).toEqual({
      ok: false,
      reason: 'code not mapped by ConceptMap sex-fail',
      path: 'Basic.code.coding.code',
      mapping: 'drchrono/thing.yaml',
    });
  });

  it('keeps the source code with a warning in mode provided', () => {
    const result = map(coding("=translate('sex-provided', sex)"), { sex: 'X' });
    expect(out(result).code.coding[0].code).toBe('X');
    expect(result.ok && result.warnings).toEqual([
      expect.objectContaining({ severity: 'warning', expression: ['Basic.code.coding.code'] }),
    ]);
    expect(JSON.stringify(result.ok && result.warnings)).not.toContain('"X"');
  });

  it('uses unmapped.code in mode fixed, without a warning', () => {
    const result = map(coding("=translate('sex-fixed', sex)"), { sex: 'X' });
    expect(out(result).code.coding[0].code).toBe('unknown');
    expect(result.ok && result.warnings).toEqual([]);
  });

  it('gives nothing for an empty input', () => {
    expect(out(map(coding("=translate('sex-fail', sex)"), {})).code.coding).toEqual([{ system: 'urn:x' }]);
  });

  it('accepts a Coding, using only groups of its system', () => {
    const template = coding("=translate('sex-fail', %record.c)");
    expect(
      out(map(template, { c: { system: 'urn:test:sex-fail:source', code: 'M' } })).code.coding[0].code,
    ).toBe('male');
    expect(map(template, { c: { system: 'urn:other', code: 'M' } })).toMatchObject({ ok: false });
  });
});

describe('translateCoding()', () => {
  it('gives the whole target Coding, or the fixed one, or the source one with a warning', () => {
    const template = '    coding: "=translateCoding(\'%MAP\', sex)"\n';
    expect(out(map(template.replace('%MAP', 'sex-fail'), { sex: 'M' })).code.coding).toEqual([
      { system: 'urn:test:sex-fail:target', code: 'male', display: 'MALE' },
    ]);
    expect(out(map(template.replace('%MAP', 'sex-fixed'), { sex: 'Q' })).code.coding).toEqual([
      { system: 'urn:test:sex-fixed:target', code: 'unknown', display: 'Unknown' },
    ]);
    const provided = map(template.replace('%MAP', 'sex-provided'), { sex: 'Q' });
    expect(out(provided).code.coding).toEqual([{ system: 'urn:test:sex-provided:source', code: 'Q' }]);
    expect(provided.ok && provided.warnings).toHaveLength(1);
  });
});

describe('translateReverse()', () => {
  const dir = writeMappingDir({
    ...maps,
    'drchrono/patient.yaml':
      'source: drchrono\nentity: patients\ntarget: Patient\nid: "=id"\nconceptMaps: [sex-fail, sex-provided]\ntemplate:\n  active: true\nreverse:\n  template:\n    gender: "=translateReverse(\'sex-fail\', gender)"\n    loose: "=translateReverse(\'sex-provided\', gender)"\n',
  });
  const set = loadMappingSet({ dir, defs, scheme });

  it('maps a target code back to its source code', () => {
    expect(
      set.reverse('drchrono', 'patients', { resourceType: 'Patient', gender: 'male' } as Resource),
    ).toEqual({
      ok: true,
      payload: { gender: 'M', loose: 'M' },
    });
  });

  it('fails for an unknown code unless the mode is provided', () => {
    expect(
      set.reverse('drchrono', 'patients', { resourceType: 'Patient', gender: 'other' } as Resource),
    ).toEqual({
      ok: false,
      reason: 'code not mapped back by ConceptMap sex-fail',
      path: 'payload.gender',
    });
  });
});

describe('ref() and gatewayId()', () => {
  it('build gateway references and ids in the record connection, one per native id', () => {
    const result = out(
      map(
        "  subject: \"=ref('Patient', 'patients', patient)\"\n  identifier:\n    - system: urn:x\n      value: \"=gatewayId('doctors', doctors.first())\"\n",
        {
          patient: 42,
          doctors: ['d1', 'd2'],
        },
      ),
    );
    expect(result.subject).toEqual({
      reference: `Patient/${gatewayId({ ...scope, sourceType: 'patients', nativeId: '42' })}`,
    });
    expect(result.identifier[0].value).toBe(gatewayId({ ...scope, sourceType: 'doctors', nativeId: 'd1' }));
  });

  it('fail the record for a native id that is an object', () => {
    expect(map("  subject: \"=ref('Patient', 'patients', patient)\"\n", { patient: { x: 1 } })).toMatchObject(
      {
        ok: false,
        reason: 'ref: the native id must be a string or an integer',
        path: 'Basic.subject',
      },
    );
  });
});

describe('integer and blank native ids', () => {
  const expected = (sourceType: string, nativeId: string) => gatewayId({ ...scope, sourceType, nativeId });

  it('take FHIRPath integers as native ids, on the fast path and through fhirpath.js alike', () => {
    // `.select($this)` is outside the fast subset: that value goes through fhirpath.js.
    const result = out(
      map(
        "  subject: \"=ref('Patient', 'patients', patient)\"\n  author: \"=ref('Practitioner', 'doctors', doctor.select($this))\"\n  identifier:\n    - system: urn:x\n      value: \"=gatewayId('doctors', doctor)\"\n    - system: urn:y\n      value: \"=gatewayId('doctors', doctor.select($this))\"\n",
        { id: 7, patient: 42, doctor: 9 },
      ),
    );
    expect(result.subject.reference).toBe(`Patient/${expected('patients', '42')}`);
    expect(result.author.reference).toBe(`Practitioner/${expected('doctors', '9')}`);
    expect(
      result.identifier.filter((i: Loose) => i.system.startsWith('urn:')).map((i: Loose) => i.value),
    ).toEqual([expected('doctors', '9'), expected('doctors', '9')]);
    // The record's own integer id is its native id too.
    expect(result.id).toBe(expected('things', '7'));
  });

  it('refuse a decimal native id', () => {
    expect(map("  subject: \"=ref('Patient', 'patients', patient)\"\n", { patient: 4.5 })).toMatchObject({
      ok: false,
      reason: 'ref: the native id must be a string or an integer',
    });
  });

  it('give no reference for a blank native id', () => {
    const result = out(
      map(
        "  subject: \"=ref('Patient', 'patients', patient)\"\n  author: \"=ref('Patient', 'patients', p2.select($this))\"\n",
        {
          patient: '',
          p2: '  ',
        },
      ),
    );
    expect(result.subject).toBeUndefined();
    expect(result.author).toBeUndefined();
  });
});

describe('dateOnly() and instant()', () => {
  const template =
    '  created: "=dateOnly(d)"\n  extension:\n    - url: urn:x\n      valueInstant: "=instant(t, \'America/Toronto\')"\n    - url: urn:y\n      valueInstant: "=instant(u)"\n';

  it('normalise native text to FHIR date and instant', () => {
    const result = out(
      map(template, { d: '2024-03-05T23:30:00', t: '2024-07-01T09:15', u: '2024-01-02T03:04:05+0530' }),
    );
    expect(result.created).toBe('2024-03-05');
    expect(result.extension).toEqual([
      { url: 'urn:x', valueInstant: '2024-07-01T09:15:00-04:00' },
      { url: 'urn:y', valueInstant: '2024-01-02T03:04:05+05:30' },
    ]);
  });

  it('fail the record on text that is not a date', () => {
    expect(map(template, { d: '2024-02-30', t: '2024-07-01T09:15' })).toMatchObject({
      ok: false,
      reason: 'dateOnly: not a date or date-time',
      path: 'Basic.created',
    });
    expect(map(template, { d: '2024-02-03', t: 'yesterday' })).toMatchObject({
      ok: false,
      reason: 'instant: not a date-time',
    });
  });
});
