import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLSchema } from 'graphql';
import { createYoga } from 'graphql-yoga';
import type { FhirDefinitions } from '../../src/fhir/definitions.ts';
import { createRequestContext } from '../../src/graphql/context.ts';
import { useFhirGraphQL } from '../../src/graphql/yoga-plugin.ts';
import type { Store } from '../../src/store/port.ts';

/**
 * A minimal yoga server over real HTTP for the schema's own tests: `/$graphql` and
 * `/[Type]/[id]/$graphql`, the caller's tenant taken from a test header (API-key auth is the
 * gateway server's concern and is tested there).
 */
export async function startGraphQLHttp(deps: {
  schema: GraphQLSchema;
  store: Store;
  definitions: FhirDefinitions;
}): Promise<{ url: string; close(): Promise<void> }> {
  const yogaAt = (graphqlEndpoint: string) =>
    createYoga({
      schema: deps.schema,
      graphqlEndpoint,
      graphiql: false,
      landingPage: false,
      plugins: [useFhirGraphQL({ resourceTypes: deps.definitions.resourceTypes })],
      context: ({ request }) =>
        createRequestContext({
          store: deps.store,
          definitions: deps.definitions,
          caller: {
            tenant: request.headers.get('x-test-tenant') ?? 'none',
            scopes: new Set(['read']),
            keyId: 'test',
          },
        }),
    });
  const system = yogaAt('/\\$graphql');
  const instance = yogaAt('/:type/:id/\\$graphql');
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/$graphql') void system(req, res);
    else void instance(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
