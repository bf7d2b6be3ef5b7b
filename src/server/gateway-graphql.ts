import type { Logger } from 'pino';
import type { ActionService } from '../actions/action-service.ts';
import type { SourceAccess } from '../actions/find/read-through.ts';
import type { MutationSpec } from '../actions/write-targets.ts';
import type { ApiKeyService } from '../auth/api-keys.ts';
import type { ChangeFeed } from '../events/change-feed.ts';
import type { FhirDefinitions } from '../fhir/definitions.ts';
import type { AdminOps } from '../graphql/admin/admin-ops.ts';
import { ADMIN_ROOT_FIELDS } from '../graphql/admin/admin-schema.ts';
import { withAdminFields } from '../graphql/admin/with-admin-fields.ts';
import { type ChangeFanout, createChangeFanout } from '../graphql/changes/shared-execution.ts';
import { createRequestContext } from '../graphql/context.ts';
import { defaultMutationSpec } from '../graphql/mutations/default-mutation-spec.ts';
import { buildGatewaySchema } from '../graphql/schema.ts';
import { useFhirGraphQL } from '../graphql/yoga-plugin.ts';
import type { Store } from '../store/port.ts';
import type { GraphQLLimits } from './graphql-limits.ts';
import { createGraphQLServer, type ExampleQuery, type GraphQLServer } from './graphql-server.ts';

/**
 * The product's GraphQL server: the FHIR schema plus the admin fields, built once; each request's
 * context from its caller.
 */
export function createGatewayGraphQL(deps: {
  store: Store;
  definitions: FhirDefinitions;
  keys: ApiKeyService;
  log: Logger;
  demo?: { apiKey: string; examples: readonly ExampleQuery[] } | undefined;
  limits?: Partial<GraphQLLimits>;
  /** What admin operations this process offers beyond the store (sync state, replay, connect links). */
  admin?: AdminOps;
  /** Connectors and mappings: finds with `fresh: true` and the `actions` catalog. */
  sources?: SourceAccess;
  /** The mutation machinery (src/actions); without it mutations answer that they are not available here. */
  actions?: ActionService;
  /** Which mutations the schema has: by default the project's catalogs and mappings. */
  mutations?: MutationSpec;
  /** The process's change feed: subscriptions, `changeEvents`, `feedStatus`, `triggers`. */
  feed?: ChangeFeed;
  /** Subscription fan-out shared across identical subscriptions (one per server by default). */
  fanout?: ChangeFanout;
}): GraphQLServer {
  const { store, definitions } = deps;
  const fanout = deps.fanout ?? createChangeFanout();
  return createGraphQLServer({
    schema: withAdminFields(
      buildGatewaySchema({ definitions, mutations: deps.mutations ?? defaultMutationSpec() }),
    ),
    createContext: ({ caller }) => ({
      ...createRequestContext({
        store,
        caller,
        definitions,
        ...(deps.sources ? { sources: deps.sources } : {}),
        ...(deps.actions ? { actions: deps.actions } : {}),
      }),
      ...(deps.admin ? { admin: deps.admin } : {}),
      ...(deps.feed ? { feed: deps.feed } : {}),
    }),
    adminFields: ADMIN_ROOT_FIELDS,
    authenticate: (authorization) => deps.keys.authenticate(authorization),
    log: deps.log,
    plugins: [useFhirGraphQL({ resourceTypes: definitions.resourceTypes }), fanout.plugin],
    ...(deps.demo ? { demo: deps.demo } : {}),
    ...(deps.limits ? { limits: deps.limits } : {}),
  });
}
