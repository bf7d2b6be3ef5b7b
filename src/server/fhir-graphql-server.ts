import type { GraphQLSchema } from 'graphql';
import type { Caller } from '../auth/scopes.ts';
import type { FhirDefinitions } from '../fhir/definitions.ts';
import { createRequestContext, type GatewayContext } from '../graphql/context.ts';
import { useFhirGraphQL } from '../graphql/yoga-plugin.ts';
import type { Store } from '../store/port.ts';
import {
  createGraphQLServer,
  GRAPHQL_PATH,
  type GraphQLServer,
  type GraphQLServerDeps,
} from './graphql-server.ts';

/** The FHIR instance level under the GraphQL path: `/graphql/Patient/123/$graphql`. */
export const INSTANCE_ENDPOINT = `${GRAPHQL_PATH}/:type/:id/\\$graphql`;

export type FhirGraphQLServerDeps = Omit<
  GraphQLServerDeps<GatewayContext>,
  'schema' | 'createContext' | 'plugins' | 'instanceEndpoint'
> & {
  readonly store: Store;
  readonly definitions: FhirDefinitions;
  /** Built once at start-up (buildGatewaySchema). */
  readonly schema: GraphQLSchema;
};

/**
 * The gateway's FHIR GraphQL endpoint: the generated schema on the GraphQL server (auth, limits),
 * with a fresh context (DataLoaders) per request and the FHIR GraphQL plugin, at `/graphql` and
 * at the instance level `/graphql/[Type]/[id]/$graphql`.
 */
export function createFhirGraphQLServer(deps: FhirGraphQLServerDeps): GraphQLServer {
  const { store, definitions, schema, ...server } = deps;
  return createGraphQLServer<GatewayContext>({
    ...server,
    schema,
    createContext: ({ caller }: { caller: Caller }) => createRequestContext({ store, caller, definitions }),
    plugins: [useFhirGraphQL({ resourceTypes: definitions.resourceTypes })],
    instanceEndpoint: INSTANCE_ENDPOINT,
  });
}
