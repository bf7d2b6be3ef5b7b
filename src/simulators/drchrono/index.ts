import { ADMIN_PREFIX, addAdminRoutes } from '../common/admin.ts';
import { systemClock } from '../common/clock.ts';
import { createRequestCounters } from '../common/counters.ts';
import { createFaultInjector } from '../common/faults.ts';
import { createRouter, listen } from '../common/http-server.ts';
import { createOAuthStore, type OAuthStore } from '../common/oauth.ts';
import { createRng } from '../common/rng.ts';
import type { RunningSimulator, SimulatorOptions } from '../types.ts';
import { createAccessGate } from './access.ts';
import { addBulkListRoutes } from './bulk-lists.ts';
import { type Catalog, loadCatalog } from './catalog.ts';
import { type DrChronoDataset, generateDrChronoDataset } from './dataset.ts';
import { drchronoErrors } from './errors.ts';
import { addLookupRoutes } from './lookup-routes.ts';
import { ACCESS_TOKEN_SECONDS, addOAuthRoutes, type DrChronoClient } from './oauth-routes.ts';
import { createDrChronoLimits } from './rate-limits.ts';
import { addResourceRoutes } from './resource-routes.ts';
import { loadSeedRecords } from './seed-records.ts';
import { completeRecord } from './shape.ts';
import { createResourceStore, type ResourceStore } from './store.ts';
import { addSubactionRoutes } from './subactions.ts';
import { loadTickChanges } from './tick-changes.ts';
import { createTicker, type TickKind } from './ticker.ts';

export { generateDrChronoDataset } from './dataset.ts';
export type { DrChronoClient } from './oauth-routes.ts';

export type DrChronoSimulatorOptions = SimulatorOptions & {
  /** The pre-registered API application; defaults below. */
  client?: Partial<DrChronoClient>;
  /** Override the budget (tests); `rateLimits: false` turns limits off entirely. */
  limits?: { hourly?: number; perSecond?: number };
};

export type RunningDrChronoSimulator = RunningSimulator & {
  client: DrChronoClient;
  catalog: Catalog;
  /** Undefined when `patients: 0` (seed records only). */
  dataset: DrChronoDataset | undefined;
  oauth: OAuthStore;
  /**
   * Changes records of one resource now (also `POST /_admin/tick?resource=[&change=archive]`);
   * undefined when it holds none (or none it can archive).
   */
  tickResource(
    resource: string,
    count: number,
    change?: TickKind,
  ): { created: number; updated: number } | undefined;
  /** Issues an access token directly (tests, benchmarks); the OAuth flow is the real way. */
  issueAccessToken(scope?: string): { accessToken: string; refreshToken: string };
};

export const DEFAULT_DRCHRONO_CLIENT: DrChronoClient = {
  clientId: 'drchrono-sim-client',
  clientSecret: 'drchrono-sim-secret',
  name: 'FHIR normalization gateway',
  redirectUris: [
    'http://127.0.0.1:4000/connect/drchrono/callback',
    'http://localhost:4000/connect/drchrono/callback',
  ],
  allowLoopbackRedirects: true,
};

const DEFAULT_PATIENTS = 200;

export async function startDrChronoSimulator(
  options: DrChronoSimulatorOptions = {},
): Promise<RunningDrChronoSimulator> {
  const clock = options.clock ?? systemClock;
  const seed = options.seed ?? 1;
  const catalog = loadCatalog();
  const client: DrChronoClient = { ...DEFAULT_DRCHRONO_CLIENT, ...options.client };
  const patients = options.patients ?? DEFAULT_PATIENTS;
  const dataset = patients > 0 ? generateDrChronoDataset(seed, patients, { anchor: clock() }) : undefined;

  const stores = new Map<string, ResourceStore>();
  for (const endpoint of catalog.endpoints) {
    if (endpoint.kind === 'bulk' || endpoint.dataOf || stores.has(endpoint.resource)) continue;
    const schema = catalog.schemaOf(endpoint);
    const inDataset = dataset?.resources().includes(endpoint.resource) ? dataset : undefined;
    stores.set(
      endpoint.resource,
      createResourceStore(endpoint.resource, inDataset, (r) => completeRecord(schema, r)),
    );
  }
  const storeOf = (resource: string) => stores.get(resource);
  if (options.seedRecords !== undefined) {
    loadSeedRecords(options.seedRecords, { catalog, stores: storeOf, now: clock() });
  }

  const counters = createRequestCounters();
  const faults = createFaultInjector(createRng(seed ^ 0x5eed), options.faults);
  const oauth = createOAuthStore({
    clock,
    accessTtlSeconds: ACCESS_TOKEN_SECONDS,
    refreshTtlSeconds: 365 * 86_400,
  });
  const limits = options.rateLimits === false ? undefined : createDrChronoLimits(clock, options.limits);
  const gate = createAccessGate({ oauth, faults, limits });
  const knownScopes = [
    ...new Set(catalog.endpoints.flatMap((e) => e.scopes).filter((s) => s.includes(':'))),
  ].sort();

  const { tick, tickResource } = createTicker({
    stores: storeOf,
    clock,
    rng: createRng(seed ^ 0x71c4),
    shape: (resource, record) => {
      const endpoint = catalog.endpoint(resource);
      return completeRecord(endpoint ? catalog.schemaOf(endpoint) : undefined, record);
    },
    changes: loadTickChanges(),
  });

  const router = createRouter();
  addAdminRoutes(router, { counters, faults, tick, tickResource });
  addOAuthRoutes(router, { store: oauth, client, knownScopes, clock });
  addSubactionRoutes(router, { catalog, stores: storeOf, clock, gate });
  addBulkListRoutes(router, { catalog, stores: storeOf, clock, gate });
  addLookupRoutes(router, { catalog, stores: storeOf, gate, clock });
  addResourceRoutes(router, { catalog, stores: storeOf, clock, faults, gate });

  const server = await listen(
    {
      router,
      counters,
      faults,
      errors: {
        rateLimited: () => drchronoErrors.throttled(1),
        serverError: drchronoErrors.serverError,
        notFound: drchronoErrors.notFound,
      },
      unfaultedPrefixes: [ADMIN_PREFIX, '/o/'],
    },
    options.port ?? 0,
  );

  const timer =
    options.tickEveryMs && options.tickEveryMs > 0
      ? setInterval(() => tick(5), options.tickEveryMs)
      : undefined;
  timer?.unref();

  return {
    ...server,
    source: 'drchrono',
    counters,
    faults,
    tick,
    tickResource,
    client,
    catalog,
    dataset,
    oauth,
    issueAccessToken(scope = knownScopes.join(' ')) {
      const t = oauth.issueToken(client.clientId, scope);
      return { accessToken: t.accessToken, refreshToken: t.refreshToken };
    },
    async close() {
      if (timer) clearInterval(timer);
      await server.close();
    },
  };
}
