import { describe, expect, it } from 'vitest';
import { createIdentityScheme } from '../fhir/identity.ts';
import { MappingLoadError } from './load-error.ts';
import { loadMappingSet } from './load-mapping-set.ts';
import { loadMappingDefinitions } from './mapping-definitions.ts';
import { conceptMap, writeMappingDir } from './test-support.ts';

const defs = loadMappingDefinitions();
const scheme = createIdentityScheme();

/** The problem lines of loading `files`; fails the test if loading succeeds. */
function problems(files: Record<string, string | object>): string[] {
  try {
    loadMappingSet({ dir: writeMappingDir(files), defs, scheme });
  } catch (error) {
    expect(error).toBeInstanceOf(MappingLoadError);
    return (error as Error).message.split('\n').slice(1);
  }
  throw new Error('the mapping set loaded');
}

const header = 'source: jane\nentity: patients\ntarget: Patient\nid: "=id"\n';

describe('loadMappingSet errors', () => {
  it('reports broken YAML with its line', () => {
    expect(problems({ 'jane/patient.yaml': `${header}template:\n  active: [true\n` })).toEqual([
      // The parser notices the unclosed flow sequence where the file ends.
      expect.stringMatching(/^jane\/patient\.yaml:7: \(file\): Flow sequence .* end with a \]/),
    ]);
  });

  it('reports an unknown key at its line', () => {
    expect(problems({ 'jane/patient.yaml': `${header}colour: blue\ntemplate:\n  active: true\n` })).toEqual([
      'jane/patient.yaml:5: colour: unknown key',
    ]);
  });

  it('reports a bad FHIRPath expression at its line, with the template field', () => {
    expect(
      problems({ 'jane/patient.yaml': `${header}template:\n  active: true\n  gender: "=sex.("\n` }),
    ).toEqual([expect.stringMatching(/^jane\/patient\.yaml:7: template\.gender: invalid FHIRPath: /)]);
  });

  it('reports an unknown ConceptMap in conceptMaps and in translate()', () => {
    const lines = problems({
      'jane/patient.yaml': `${header}conceptMaps: [nope]\ntemplate:\n  gender: "=translate('missing', sex)"\n`,
    });
    expect(lines).toEqual([
      'jane/patient.yaml:5: conceptMaps[0]: no ConceptMap with id nope in conceptmaps/',
      "jane/patient.yaml:7: template.gender: translate() uses ConceptMap 'missing', which is not loaded or not listed in conceptMaps",
    ]);
  });

  it('collects every problem of every file at once', () => {
    const lines = problems({
      'jane/patient.yaml': `source: jane\nentity: patients\ntarget: Patient\ntemplate:\n  birthdate: "=dob"\n  name:\n    - $each: "=names"\n      text: "=%itme"\n`,
      'jane/staff.yaml': `${header.replace('Patient', 'Nonsense')}template:\n  $unknown: 1\n  $each: "=x"\n`,
      'drchrono/patient.yaml': `${header}template:\n  active: true\n`,
      'conceptmaps/bad.json': { ...conceptMap('bad', { a: 'b' }), status: 'sort-of' },
      'conceptmaps/other.json': conceptMap('other', { a: 'b' }, { mode: 'other-map', url: 'urn:x' }),
    });
    expect(lines).toEqual([
      expect.stringMatching(/^conceptmaps\/bad\.json:4: status: /),
      "conceptmaps/other.json:22: group[0].unmapped.mode: 'other-map' is not supported (use provided or fixed)",
      'drchrono/patient.yaml:1: source: must be drchrono (the directory)',
      'jane/patient.yaml:1: id: Invalid input: expected string, received undefined',
      'jane/staff.yaml:3: target: Nonsense is not a supported resource type',
      'jane/staff.yaml:6: template.$unknown: unknown structure key $unknown',
      'jane/staff.yaml:7: template.$each: $each is only allowed in an array item',
    ]);
  });

  it('reports unknown FHIR elements and undefined %variables in templates', () => {
    expect(
      problems({
        'jane/patient.yaml': `${header}template:\n  birthdate: "=dob"\n  name:\n    - $each: "=names"\n      text: "=%itme"\n`,
      }),
    ).toEqual([
      'jane/patient.yaml:6: template.birthdate: birthdate is not an element of Patient',
      'jane/patient.yaml:9: template.name[0].text: %itme is not defined here',
    ]);
  });

  it('reports fragment problems: unknown fragment, missing or unknown parameters, errors inside', () => {
    const lines = problems({
      'fragments/address.yaml': 'template:\n  city: "=%city"\n  line: ["=%line1.("]\n',
      'jane/patient.yaml': `${header}template:\n  address:\n    - $fragment: address\n      $with:\n        town: "=x"\n    - $fragment: nowhere\n`,
    });
    expect(lines).toEqual([
      expect.stringMatching(/^fragments\/address\.yaml:3: template\.line\[0\]: invalid FHIRPath/),
      'jane/patient.yaml:9: template.address[0].$with: fragment address needs parameter city',
      'jane/patient.yaml:9: template.address[0].$with: fragment address needs parameter line1',
      'jane/patient.yaml:9: template.address[0].$with.town: fragment address has no parameter town',
      'jane/patient.yaml:10: template.address[1].$fragment: no fragment nowhere (mappings/fragments/nowhere.yaml)',
    ]);
  });

  it('requires definitions that include ConceptMap when there are ConceptMaps', () => {
    const patientOnly = { ...defs, resourceTypes: ['Patient'] };
    expect(() =>
      loadMappingSet({
        dir: writeMappingDir({ 'conceptmaps/a.json': conceptMap('a', {}) }),
        defs: patientOnly,
        scheme,
      }),
    ).toThrow(/do not include ConceptMap/);
  });
});
