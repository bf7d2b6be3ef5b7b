import { createIdentityScheme } from '../../src/fhir/identity.ts';
import { loadMappingSet } from '../../src/mapping/load-mapping-set.ts';
import { loadMappingDefinitions } from '../../src/mapping/mapping-definitions.ts';
import type { MappingSet } from '../../src/mapping/mapping-set.ts';
import { conceptMap, writeMappingDir } from '../../src/mapping/test-support.ts';

/** The small mapping set the engine tests share: DrChrono-named patients and appointments. */
export function loadTestMappings(): MappingSet {
  return loadMappingSet({
    dir: writeMappingDir({
      'conceptmaps/sex.json': conceptMap('sex', { M: 'male', F: 'female' }),
      'drchrono/patient.yaml':
        'source: drchrono\nentity: patients\ntarget: Patient\nid: "=id.toString()"\nconceptMaps: [sex]\ntemplate:\n  gender: "=translate(\'sex\', gender)"\n  name:\n    - family: "=last_name"\n',
      'drchrono/appointment.yaml':
        'source: drchrono\nentity: appointments\ntarget: Appointment\nid: "=id.toString()"\ntemplate:\n  status: "=status"\n  participant:\n    - actor: "=ref(\'Patient\', \'patients\', patient)"\n      status: accepted\n',
    }),
    defs: loadMappingDefinitions(),
    scheme: createIdentityScheme(),
  });
}
