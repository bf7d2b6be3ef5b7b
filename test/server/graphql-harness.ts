import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createApp } from '../../src/app.ts';
import { createApiKeyService } from '../../src/auth/api-keys.ts';
import type { Scope } from '../../src/auth/scopes.ts';
import { useFhirGraphQL } from '../../src/graphql/yoga-plugin.ts';
import { createLogger } from '../../src/log/create-logger.ts';
import { createGraphQLServer, type GraphQLServerDeps } from '../../src/server/graphql-server.ts';
import type { Store } from '../../src/store/port.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { type PlaceholderContext, placeholderSchema } from './placeholder-schema.ts';

export type Harness = Awaited<ReturnType<typeof startGraphQLGateway>>;

/**
 * The gateway app with the GraphQL server on a real socket on 127.0.0.1, a real SQLite store,
 * real API keys and a pino logger whose lines the test can read.
 */
export async function startGraphQLGateway(
  options: Partial<Pick<GraphQLServerDeps<PlaceholderContext>, 'demo' | 'limits' | 'adminFields'>> = {},
) {
  const store: Store = openSqliteStore(':memory:', {
    maxResourceBytes: 1 << 20,
    secretBox: createSecretBox(Buffer.alloc(32, 3)),
  });
  const logLines: string[] = [];
  const log = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  });
  const keys = createApiKeyService({ store });
  const calls = { count: 0 };
  const graphql = createGraphQLServer<PlaceholderContext>({
    schema: placeholderSchema(calls),
    createContext: ({ caller }) => ({ caller, store }),
    authenticate: (h) => keys.authenticate(h),
    log,
    adminFields: options.adminFields ?? new Set(['admin']),
    plugins: [useFhirGraphQL({ resourceTypes: ['Patient'] })],
    ...(options.demo ? { demo: options.demo } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const app = createApp({ store, log, graphql });
  const server: Server = createServer(app.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;

  const keyFor = async (tenant: string, scopes: Scope[]) => {
    await store.tenants.ensure(tenant);
    return (await keys.create({ tenant, scopes })).token;
  };

  /** POSTs a GraphQL request as a client library would. */
  const post = async (
    token: string | undefined,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: GraphQLBody; headers: Headers }> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: GraphQLBody;
    try {
      parsed = JSON.parse(text) as GraphQLBody;
    } catch {
      parsed = { raw: text };
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };

  return {
    url,
    store,
    keys,
    calls,
    logLines,
    keyFor,
    post,
    query: (token: string | undefined, query: string, variables?: Record<string, unknown>) =>
      post(token, { query, ...(variables ? { variables } : {}) }),
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await store.close();
    },
  };
}

export type GraphQLBody = {
  data?: Record<string, unknown> | null;
  errors?: Array<{
    message: string;
    extensions?: { code?: string; resource?: { resourceType: string; issue: Array<{ code: string }> } };
  }>;
  raw?: string;
};
