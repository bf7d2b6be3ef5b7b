import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Resource } from 'fhir/r4';
import { type ExecutionResult, type GraphQLSchema, graphql } from 'graphql';
import { MongoClient } from 'mongodb';
import type { SourceAccess } from '../../src/actions/find/read-through.ts';
import type { Scope } from '../../src/auth/scopes.ts';
import { type FhirDefinitions, loadFhirDefinitions } from '../../src/fhir/definitions.ts';
import type { Indexer } from '../../src/fhir/index-entry.ts';
import { searchIndexer } from '../../src/fhir/search-indexer.ts';
import { SUPPORTED_RESOURCE_TYPES } from '../../src/fhir/supported-types.ts';
import { createRequestContext } from '../../src/graphql/context.ts';
import { defaultMutationSpec } from '../../src/graphql/mutations/default-mutation-spec.ts';
import { buildGatewaySchema } from '../../src/graphql/schema.ts';
import { openMongoStore } from '../../src/store/mongo/open-mongo-store.ts';
import type { Store } from '../../src/store/port.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';

const TEST_KEY = Buffer.alloc(32, 7);

const cached = new Map<string, { definitions: FhirDefinitions; schema: GraphQLSchema }>();

/**
 * Definitions and schema, built once per test file (as the gateway does once per process).
 * `extraTypes` adds resource types the gateway does not emit (the HL7 conformance cases use List).
 */
export function gatewaySchema(extraTypes: readonly string[] = []): {
  definitions: FhirDefinitions;
  schema: GraphQLSchema;
} {
  const key = extraTypes.join(',');
  let entry = cached.get(key);
  if (!entry) {
    const definitions = loadFhirDefinitions({ resourceTypes: [...SUPPORTED_RESOURCE_TYPES, ...extraTypes] });
    entry = { definitions, schema: buildGatewaySchema({ definitions, mutations: defaultMutationSpec() }) };
    cached.set(key, entry);
  }
  return entry;
}

export type GraphQLHarness = {
  readonly store: Store;
  readonly definitions: FhirDefinitions;
  readonly schema: GraphQLSchema;
  load(tenant: string, resources: readonly Resource[], connection?: string): Promise<void>;
  run(
    tenant: string,
    query: string,
    options?: {
      variables?: Record<string, unknown>;
      scopes?: Scope[];
      store?: Store;
      sources?: SourceAccess;
    },
  ): Promise<ExecutionResult>;
  close(): Promise<void>;
};

/** How a harness opens its store: SQLite in a temp dir by default; `mongoStore` for FerretDB/MongoDB. */
export type OpenTestStore = (options: {
  indexer: Indexer;
}) => Promise<{ store: Store; cleanup(): Promise<void> }>;

export const sqliteStore: OpenTestStore = async ({ indexer }) => {
  const dir = mkdtempSync(join(tmpdir(), 'graphql-'));
  const store = openSqliteStore(join(dir, 'gateway.db'), {
    maxResourceBytes: 1024 * 1024,
    secretBox: createSecretBox(TEST_KEY),
    indexer,
  });
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

/** A MongoDB-compatible server (FerretDB in tests) with a fresh database, dropped on cleanup. */
export function mongoStore(url: () => Promise<string>): OpenTestStore {
  return async ({ indexer }) => {
    const dbName = `gw_graphql_${randomUUID().slice(0, 8)}`;
    const at = await url();
    const store = await openMongoStore(at, {
      dbName,
      maxResourceBytes: 1024 * 1024,
      secretBox: createSecretBox(TEST_KEY),
      indexer,
    });
    return {
      store,
      async cleanup() {
        await store.close();
        const client = new MongoClient(at);
        await client.connect();
        await client
          .db(dbName)
          .dropDatabase()
          .catch(() => {});
        await client.close();
      },
    };
  };
}

/** A real store with the search indexer, and the real schema run through graphql(). */
export async function openGraphQLHarness(
  options: { extraTypes?: readonly string[]; openStore?: OpenTestStore } = {},
): Promise<GraphQLHarness> {
  const { definitions, schema } = gatewaySchema(options.extraTypes);
  const { store, cleanup } = await (options.openStore ?? sqliteStore)({
    indexer: searchIndexer(definitions),
  });
  return {
    store,
    definitions,
    schema,
    async load(tenant, resources, connection) {
      await store.tenants.ensure(tenant);
      await store.resources.putMany(tenant, [...resources], connection ? { connection } : {});
    },
    run(tenant, query, options = {}) {
      const contextValue = createRequestContext({
        store: options.store ?? store,
        definitions,
        caller: { tenant, scopes: new Set(options.scopes ?? ['read']), keyId: 'test-key' },
        ...(options.sources ? { sources: options.sources } : {}),
      });
      return graphql({ schema, source: query, contextValue, variableValues: options.variables ?? null });
    },
    close: cleanup,
  };
}
