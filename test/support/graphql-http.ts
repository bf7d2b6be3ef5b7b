import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { ActionService } from '../../src/actions/action-service.ts';
import type { SourceAccess } from '../../src/actions/find/read-through.ts';
import { createApp } from '../../src/app.ts';
import { createApiKeyService } from '../../src/auth/api-keys.ts';
import type { Scope } from '../../src/auth/scopes.ts';
import type { FhirDefinitions } from '../../src/fhir/definitions.ts';
import { createLogger } from '../../src/log/create-logger.ts';
import { createGatewayGraphQL } from '../../src/server/gateway-graphql.ts';
import type { Store } from '../../src/store/port.ts';

export type GatewayHttp = {
  /** `http://127.0.0.1:<port>/graphql` */
  readonly url: string;
  /** Creates an API key for the tenant (real key service) and answers its bearer token. */
  keyFor(tenant: string, scopes?: Scope[]): Promise<string>;
  /** POSTs a GraphQL JSON body to `/graphql`, or to a path (`/$graphql`, `/Patient/x/$graphql`). */
  post(
    token: string,
    body: Record<string, unknown>,
    path?: string,
  ): Promise<{ status: number; body: GraphQLResponse }>;
  close(): Promise<void>;
};

export type GraphQLResponse = {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string; resource?: { resourceType?: string } } }>;
};

/** The gateway app with its FHIR GraphQL server and real API keys on a socket on 127.0.0.1. */
export async function startGatewayHttp(deps: {
  store: Store;
  definitions: FhirDefinitions;
  /** The mutation machinery; without it mutations answer that they are not available. */
  actions?: ActionService;
  /** Connectors and mappings: finds with `fresh: true` and the `actions` catalog. */
  sources?: SourceAccess;
}): Promise<GatewayHttp> {
  const log = createLogger({ level: 'warn', destination: new Writable({ write: (_c, _e, done) => done() }) });
  const keys = createApiKeyService({ store: deps.store });
  const graphql = createGatewayGraphQL({
    store: deps.store,
    definitions: deps.definitions,
    keys,
    log,
    ...(deps.actions ? { actions: deps.actions } : {}),
    ...(deps.sources ? { sources: deps.sources } : {}),
  });
  const app = createApp({ store: deps.store, log, graphql });
  const server: Server = createServer(app.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const url = `${origin}/graphql`;
  return {
    url,
    async keyFor(tenant, scopes = ['read']) {
      await deps.store.tenants.ensure(tenant);
      return (await keys.create({ tenant, scopes })).token;
    },
    async post(token, body, path = '') {
      const response = await fetch(path === '' ? url : `${origin}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as GraphQLResponse };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
