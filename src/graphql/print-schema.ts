import { lexicographicSortSchema, printSchema } from 'graphql';
import type { FhirDefinitions } from '../fhir/definitions.ts';
import { withAdminFields } from './admin/with-admin-fields.ts';
import { defaultMutationSpec } from './mutations/default-mutation-spec.ts';
import { buildGatewaySchema } from './schema.ts';

export const SCHEMA_HEADER =
  '# Printed from the Pothos schema in src/graphql (buildGatewaySchema). Do not edit:\n# run `npm run schema:print` after changing the schema; a test fails when this file is stale.\n\n';

/** The committed schema.graphql text (the served schema, admin fields included): sorted, so it only changes when the schema does. */
export function printGatewaySchema(definitions: FhirDefinitions): string {
  return `${SCHEMA_HEADER}${printSchema(lexicographicSortSchema(withAdminFields(buildGatewaySchema({ definitions, mutations: defaultMutationSpec() }))))}\n`;
}
