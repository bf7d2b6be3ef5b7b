import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createIdentityScheme, SOURCE_SYSTEMS } from '../fhir/identity.ts';
import { discoverFixtures } from './fixtures.ts';
import { loadMappingDefinitions } from './mapping-definitions.ts';
import { conceptMap, writeMappingDir } from './test-support.ts';
import { readAllowList, unmappedReport } from './unmapped-report.ts';

const mappingsDir = join(import.meta.dirname, '..', '..', 'mappings');
const defs = loadMappingDefinitions();
const scheme = createIdentityScheme();

describe('unmapped report', () => {
  it('lists native fields no expression reads and codes no ConceptMap lists', () => {
    const dir = writeMappingDir({
      'conceptmaps/sex.json': conceptMap('sex', { M: 'male' }, { mode: 'fixed', code: 'unknown' }),
      'jane/patient.yaml':
        'source: jane\nentity: patients\ntarget: Patient\nid: "=id"\nconceptMaps: [sex]\ntemplate:\n  gender: "=translate(\'sex\', sex)"\n  telecom:\n    - $each: "=phones"\n      system: phone\n      value: "=%item.number"\n',
      'jane/fixtures/a.input.json': {
        entity: 'patients',
        record: { id: '1', sex: 'Q', ssn: 'x', phones: [{ number: '1', type: 'cell' }] },
      },
      'jane/fixtures/b.input.json': { entity: 'patients', record: { id: '2', sex: 'M' } },
    });
    expect(unmappedReport({ mappingsDir: dir, source: 'jane', defs, scheme })).toEqual({
      fields: ['patients.phones.type', 'patients.ssn'],
      codes: ['sex#Q'],
    });
  });

  const sources = SOURCE_SYSTEMS.filter((source) =>
    discoverFixtures(mappingsDir).some((fixture) => fixture.source === source),
  );
  it.each(sources)('of %s matches its unmapped-allowlist.json exactly', (source) => {
    const report = unmappedReport({ mappingsDir, source, defs, scheme });
    const allowed = readAllowList(mappingsDir, source);
    expect({ fields: report.fields, codes: report.codes }).toEqual({
      fields: Object.keys(allowed.fields).sort(),
      codes: Object.keys(allowed.codes).sort(),
    });
  });
});
