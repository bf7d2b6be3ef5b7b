import { GraphQLSchema, specifiedDirectives } from 'graphql';
import type { MutationSpec } from '../actions/write-targets.ts';
import type { FhirDefinitions } from '../fhir/definitions.ts';
import { addActionFields } from './actions/actions-query.ts';
import { createBuilder, type GatewayBuilder } from './builder.ts';
import { addChangeFields } from './changes/change-fields.ts';
import { FHIR_DIRECTIVES } from './directives.ts';
import { buildFhirModel } from './fhir-model.ts';
import { createFhirpathCache } from './list-arguments.ts';
import { addMutationFields } from './mutations/mutation-fields.ts';
import { addObjectTypes } from './object-types.ts';
import { addRootFields } from './root-fields.ts';
import { addScalars } from './scalar-types.ts';
import { searchArgumentNames } from './search-arguments.ts';

export type GatewaySchemaDeps = {
  readonly definitions: FhirDefinitions;
  /** Which mutations exist (src/actions/write-targets.ts); none without it. */
  readonly mutations?: MutationSpec;
};

/**
 * Builds the FHIR GraphQL schema for the resource types in `definitions`: pure, and meant to be
 * called once at start-up (the result is shared by every request; per-request state lives in the
 * context). schema.graphql is its printed form.
 */
export function buildGatewaySchema(deps: GatewaySchemaDeps): GraphQLSchema {
  const { definitions } = deps;
  const model = buildFhirModel(definitions);
  const builder: GatewayBuilder = createBuilder();
  const scalars = addScalars(builder);
  const searchArgs = searchArgumentNames(definitions);
  const compileFhirpath = createFhirpathCache();
  const types = addObjectTypes(builder, { model, definitions, scalars, searchArgs, compileFhirpath });
  addRootFields(builder, { model, definitions, scalars, searchArgs, compileFhirpath, types });
  addActionFields(builder);
  if (deps.mutations) addMutationFields(builder, { model, scalars, types, spec: deps.mutations });
  addChangeFields(builder, { resourceInterface: types.resourceInterface });
  const schema = builder.toSchema({ sortSchema: false });
  return new GraphQLSchema({
    ...schema.toConfig(),
    directives: [...specifiedDirectives, ...FHIR_DIRECTIVES],
  });
}
