import type { Resource } from 'fhir/r4';
import type { Logger } from 'pino';
import { type ActionService, createActionService } from '../../src/actions/action-service.ts';
import type { Connector } from '../../src/connectors/connector.ts';
import { type FhirDefinitions, loadFhirDefinitions } from '../../src/fhir/definitions.ts';
import { createIdentityScheme } from '../../src/fhir/identity.ts';
import { searchIndexer } from '../../src/fhir/search-indexer.ts';
import { nativeIdFromResource } from '../../src/mapping/native-id.ts';
import type { RunningJaneSimulator } from '../../src/simulators/jane/index.ts';
import type { Change, Connection, Store } from '../../src/store/port.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { pollConnection } from '../../src/sync/poll-connection.ts';
import { connectJane } from '../connectors/helpers.ts';
import type { OpenTestStore } from '../support/graphql-harness.ts';
import { type GatewayHttp, type GraphQLResponse, startGatewayHttp } from '../support/graphql-http.ts';
import { projectMappings, realConnectors, silentLog } from '../sync/real-sources.ts';

export const scheme = createIdentityScheme();

let definitions: FhirDefinitions | undefined;
export function fhirDefinitions(): FhirDefinitions {
  definitions ??= loadFhirDefinitions();
  return definitions;
}

/** A real store with search, the real connectors and mappings, the action service, and the gateway over HTTP. */
export type MutationGateway = {
  readonly store: Store;
  readonly connectors: Connector[];
  readonly actions: ActionService;
  readonly http: GatewayHttp;
  /** Creates a key of the tenant (write + read by default) and posts the query with it. */
  gql(
    tenant: string,
    query: string,
    variables?: Record<string, unknown>,
    scopes?: Array<'read' | 'write'>,
  ): Promise<GraphQLResponse>;
  /** One full sync run of the connection (what the poller does). */
  poll(connection: Connection): Promise<void>;
  close(): Promise<void>;
};

export async function startMutationGateway(
  options: {
    connectors?: (store: Store) => Connector[];
    openStore?: OpenTestStore;
    log?: Pick<Logger, 'info'>;
  } = {},
): Promise<MutationGateway> {
  const defs = fhirDefinitions();
  const opened = options.openStore
    ? await options.openStore({ indexer: searchIndexer(defs) })
    : {
        store: openSqliteStore(':memory:', {
          maxResourceBytes: 1 << 20,
          secretBox: createSecretBox(Buffer.alloc(32, 9)),
          indexer: searchIndexer(defs),
        }),
        cleanup: async () => {},
      };
  const { store } = opened;
  const connectors = options.connectors?.(store) ?? realConnectors(store);
  const mappings = projectMappings();
  const actions = createActionService({
    store,
    mappings,
    connectors,
    definitions: defs,
    scheme,
    idempotency: { waitMs: 20_000 },
    ...(options.log ? { log: options.log } : {}),
  });
  const http = await startGatewayHttp({
    store,
    definitions: defs,
    actions,
    sources: { connectors, mappings, scheme },
  });
  const keys = new Map<string, string>();
  return {
    store,
    connectors,
    actions,
    http,
    async gql(tenant, query, variables = {}, scopes = ['read', 'write']) {
      const keyName = `${tenant}:${scopes.join(',')}`;
      let token = keys.get(keyName);
      if (!token) {
        token = await http.keyFor(tenant, scopes);
        keys.set(keyName, token);
      }
      return (await http.post(token, { query, variables })).body;
    },
    async poll(connection) {
      const connector = connectors.find((c) => c.source === connection.source) as Connector;
      const session = await connector.open(connection);
      try {
        const run = await pollConnection(
          { store, mappings, log: silentLog, leaseTtlMs: 30_000 },
          { connection, connector, session, holder: 'test-poller' },
        );
        if (run.outcome !== 'completed') throw new Error(`poll ${run.outcome}: ${JSON.stringify(run.rows)}`);
      } finally {
        await session.close();
      }
    },
    async close() {
      await http.close();
      if (options.openStore) await opened.cleanup();
      else await store.close();
    },
  };
}

/** A Jane connection of the tenant, synced once so its patients and staff are in the store. */
export async function syncedJane(
  gateway: MutationGateway,
  jane: RunningJaneSimulator,
  tenant: string,
  id: string,
): Promise<Connection> {
  const connection = await connectJane(gateway.store, jane, { tenant, id });
  await gateway.poll(connection);
  return connection;
}

/** Every change of one resource after a seq. */
export async function changesOf(store: Store, tenant: string, type: string, id: string): Promise<Change[]> {
  const found: Change[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await store.changes.after(cursor, 1000, { tenant, types: [type] });
    if (page.changes.length === 0 && page.cursor === cursor) return found;
    found.push(...page.changes.filter((c) => c.id === id));
    if (page.changes.length === 0) return found;
    cursor = page.cursor;
  }
}

export function nativeIdOf(resource: Resource, connection: Connection): string {
  const id = nativeIdFromResource(scheme, resource, {
    source: connection.source,
    connectionId: connection.id,
  });
  if (!id) throw new Error('no native id');
  return id;
}

export async function firstOf(store: Store, tenant: string, type: string): Promise<Resource> {
  const page = await store.resources.list(tenant, type, { limit: 1 });
  const first = page.items[0];
  if (!first) throw new Error(`no ${type} stored`);
  return first.resource;
}
