import { join } from 'node:path';
import { SOURCE_CATALOGS } from '../../actions/source-catalogs.ts';
import { type MutationSpec, mutationSpec } from '../../actions/write-targets.ts';
import { createIdentityScheme } from '../../fhir/identity.ts';
import { loadMappingSet } from '../../mapping/load-mapping-set.ts';
import { loadMappingDefinitions } from '../../mapping/mapping-definitions.ts';

let cached: MutationSpec | undefined;

/** The mutations of the project's own catalogs and mappings (schema printing, tests): loaded once. */
export function defaultMutationSpec(): MutationSpec {
  cached ??= mutationSpec(
    SOURCE_CATALOGS,
    loadMappingSet({
      dir: join(import.meta.dirname, '../../../mappings'),
      defs: loadMappingDefinitions(),
      scheme: createIdentityScheme(),
    }),
  );
  return cached;
}
