import { join } from 'node:path';
import { createConnectors } from '../../connectors/registry.ts';
import type { FhirDefinitions } from '../../fhir/definitions.ts';
import { createIdentityScheme } from '../../fhir/identity.ts';
import { withAdminFields } from '../../graphql/admin/with-admin-fields.ts';
import { defaultMutationSpec } from '../../graphql/mutations/default-mutation-spec.ts';
import { buildGatewaySchema } from '../../graphql/schema.ts';
import { createLogger } from '../../log/create-logger.ts';
import { loadMappingSet } from '../../mapping/load-mapping-set.ts';
import { loadMappingDefinitions } from '../../mapping/mapping-definitions.ts';
import type { Store } from '../../store/port.ts';
import { ACTION_CATALOG } from './action-catalog.ts';
import { renderCoverage } from './coverage-report.ts';
import { resolveActions, rootFieldsOf } from './resolve-actions.ts';

/**
 * The committed docs/coverage.md text: the catalog resolved against the served schema, the
 * project's mappings and the connectors' catalogs (no store or network: only their static parts).
 */
export function printCoverage(definitions: FhirDefinitions): string {
  const schema = withAdminFields(buildGatewaySchema({ definitions, mutations: defaultMutationSpec() }));
  const mappings = loadMappingSet({
    dir: join(import.meta.dirname, '../../../mappings'),
    defs: loadMappingDefinitions(),
    scheme: createIdentityScheme(),
  });
  // Only the connectors' static parts (catalog, operations) are read: no session is opened.
  const connectors = Object.values(
    createConnectors({ store: {} as Store, log: createLogger({ level: 'silent' }) }),
  );
  return renderCoverage(
    resolveActions(ACTION_CATALOG, { rootFields: rootFieldsOf(schema), connectors, mappings }),
  );
}
