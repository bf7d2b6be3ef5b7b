import { ADMIN_PREFIX, addAdminRoutes } from '../common/admin.ts';
import { type Clock, systemClock } from '../common/clock.ts';
import { createRequestCounters } from '../common/counters.ts';
import { createFaultInjector } from '../common/faults.ts';
import { createRouter, json, listen, type SimHandler, type SimRequest } from '../common/http-server.ts';
import { createSlidingWindowLimiter } from '../common/rate-limit.ts';
import { createRng } from '../common/rng.ts';
import type { RunningSimulator, SimulatorOptions } from '../types.ts';
import { type BackendClientRegistration, createBackendAuth, TOKEN_PATH } from './backend-auth.ts';
import { type BackendClientKeys, createBackendClientKeys } from './backend-client-keys.ts';
import { createBulkExport } from './bulk-export.ts';
import { buildCapabilityStatement, buildSmartConfiguration } from './capability.ts';
import { DATASET_ANCHOR_MS, generateEpicDataset } from './dataset.ts';
import { EpicHttpError, epicError, fhirJson } from './epic-outcome.ts';
import type { Resource } from './fhir-types.ts';
import { createUpdateRoutes } from './record-write-routes.ts';
import { createResourceStore } from './resource-store.ts';
import { createScheduler } from './scheduling.ts';
import { createSearchEngine } from './search-engine.ts';
import { SEARCH_RULES } from './search-parameters.ts';
import { readRecord, type SearchRouteDeps, searchRecords } from './search-routes.ts';
import { createSearchSessions } from './search-sessions.ts';
import { parseSeedRecords } from './seed-records.ts';
import { createTicker } from './tick.ts';

export { type BackendClientKeys, createBackendClientKeys, serveJwks } from './backend-client-keys.ts';
export { type EpicDataset, generateEpicDataset } from './dataset.ts';

/** Epic's sandbox paths: the FHIR base and the OAuth token endpoint sit under one host. */
export const EPIC_FHIR_BASE_PATH = '/api/FHIR/R4';
const STU3_BASE_PATH = '/api/FHIR/STU3';
const BUILT_IN_JWKS_PATH = '/_dev/jwks.json';
const DEFAULT_SCOPES = [
  'system/Patient.read',
  'system/Patient.write',
  'system/Appointment.read',
  'system/Appointment.write',
  'system/Encounter.read',
  'system/Observation.read',
  'system/Observation.write',
  'system/DocumentReference.read',
  'system/DocumentReference.write',
  'system/Practitioner.read',
  'system/PractitionerRole.read',
  'system/Location.read',
  'system/Organization.read',
  'system/Group.read',
];

export type EpicSimulatorOptions = SimulatorOptions & {
  /** Extra backend clients (their JWKS URLs are fetched at token time). */
  clients?: BackendClientRegistration[];
  /** Client id of the built-in backend client whose keys the simulator holds (demo, tests). */
  builtInClientId?: string;
  /** Epic refuses searches matching more than 100 records. */
  maxSearchResults?: number;
  /** Page size when `_count` is absent, and the most `_count` may ask for. */
  defaultPageSize?: number;
  maxPageSize?: number;
  /** How long a search's `sessionID` next links stay valid. */
  searchSessionTtlMs?: number;
  /** Epic backend tokens live 3600 s. */
  accessTokenTtlSeconds?: number;
  /**
   * Epic publishes no rate limit (apps must self-throttle), so none is enforced unless set;
   * when set (and `rateLimits` is not false) requests over it answer 429 with Retry-After.
   */
  requestsPerMinute?: number;
  /** Status polls that answer 202 before a bulk export completes. */
  bulkPollsBeforeComplete?: number;
};

export type EpicSimulator = RunningSimulator & {
  source: 'epic';
  fhirBaseUrl: string;
  tokenUrl: string;
  /** The bulk export Group (all patients). */
  groupId: string;
  organizationId: string;
  /** The built-in backend client: register-free credentials for the gateway and tests. */
  backendClient: {
    clientId: string;
    jwksUrl: string;
    keys: BackendClientKeys;
    /** A fresh signed client assertion for the token endpoint. */
    signAssertion(): Promise<string>;
    /** Runs the client_credentials exchange and answers the access token. */
    fetchAccessToken(): Promise<string>;
  };
  registerClient(client: BackendClientRegistration): void;
  /** Revokes a client's registration: its client assertions get `invalid_client` from now on. */
  unregisterClient(clientId: string): boolean;
  expireAllTokens(): void;
};

export async function startEpicSimulator(options: EpicSimulatorOptions = {}): Promise<EpicSimulator> {
  const seed = options.seed ?? 1;
  const clock: Clock = options.clock ?? systemClock;
  const counters = createRequestCounters();
  const faults = createFaultInjector(createRng(seed ^ 0xfa017), options.faults);
  const rng = createRng(seed ^ 0x5eed);

  const seeded =
    options.seedRecords === undefined ? [] : parseSeedRecords(options.seedRecords, Object.keys(SEARCH_RULES));
  const dataset = generateEpicDataset(seed, options.patients ?? (seeded.length ? 0 : 25));
  const store = createResourceStore();
  for (const r of dataset.records()) store.put(r);
  for (const r of seeded) store.put(r);

  let nextPatientNumber = dataset.patientCount;
  // Generated ids use serials below 64 per patient; later ones start far above them.
  let nextIdSerial = 2 ** 33;
  const serials = {
    nextIdSerial: () => nextIdSerial++,
    nextPatientNumber: () => nextPatientNumber++,
  };

  const builtInClientId = options.builtInClientId ?? 'epic-sim-backend-client';
  const keys = await createBackendClientKeys(`${builtInClientId}-key-1`);
  const auth = createBackendAuth({
    clock,
    faults,
    clients: options.clients ?? [],
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3600,
    maxAssertionLifetimeSeconds: 300,
    defaultScopes: DEFAULT_SCOPES,
  });
  const limiter =
    options.requestsPerMinute !== undefined && options.rateLimits !== false
      ? createSlidingWindowLimiter(options.requestsPerMinute, 60_000, clock)
      : undefined;

  const maxResults = options.maxSearchResults ?? 100;
  const searchDeps: SearchRouteDeps = {
    store,
    engine: createSearchEngine({ store, rules: SEARCH_RULES, maxResults }),
    sessions: createSearchSessions({ clock, ttlMs: options.searchSessionTtlMs ?? 10 * 60_000 }),
    faults,
    rng,
    clock,
    fhirBasePath: EPIC_FHIR_BASE_PATH,
    defaultPageSize: options.defaultPageSize ?? 100,
    maxPageSize: options.maxPageSize ?? 1000,
    readVirtual: (type, id) => (type === 'Group' && id === dataset.groupId ? buildGroup() : undefined),
  };
  const writeDeps = { store, clock, rng, seed, fhirBasePath: EPIC_FHIR_BASE_PATH, ...serials };
  const writes = createUpdateRoutes(writeDeps, SEARCH_RULES);
  const scheduler = createScheduler({
    ...writeDeps,
    openHourUtc: 14,
    closeHourUtc: 22,
    slotMinutes: 30,
    maxProposals: 20,
    maxWindowDays: 31,
  });
  const bulk = createBulkExport({
    store,
    clock,
    fhirBasePath: EPIC_FHIR_BASE_PATH,
    groupId: dataset.groupId,
    pollsBeforeComplete: options.bulkPollsBeforeComplete ?? 2,
    retryAfterSeconds: 2,
    maxRecordsPerFile: 50_000,
  });
  const tick = createTicker({
    store,
    clock,
    rng,
    newPatientRecords: () => dataset.patientRecords(serials.nextPatientNumber()),
  });

  function buildGroup(): Resource {
    const members = [...store.all('Patient')].map((p) => ({ entity: { reference: `Patient/${p.id}` } }));
    return {
      resourceType: 'Group',
      id: dataset.groupId,
      meta: { lastUpdated: new Date(Math.max(clock(), DATASET_ANCHOR_MS)).toISOString() },
      type: 'person',
      actual: true,
      name: 'Bulk export cohort (all patients)',
      quantity: members.length,
      member: members,
    };
  }

  /** FHIR routes: optional rate limit, bearer check, Epic-shaped errors. */
  const fhir =
    (handler: SimHandler): SimHandler =>
    async (req) => {
      if (limiter) {
        const taken = limiter.take(req.headers.authorization ?? 'anonymous');
        if (!taken.allowed)
          return epicError('throttled', 'Request rate exceeded', {
            'retry-after': String(Math.ceil(taken.retryAfterMs / 1000)),
          });
      }
      const denied = auth.authenticate(req);
      if (denied) return denied;
      try {
        return await handler(req);
      } catch (err) {
        if (err instanceof EpicHttpError) return epicError(err.code, err.diagnostics);
        throw err;
      }
    };
  const known = (type: string) => {
    if (!SEARCH_RULES[type])
      throw new EpicHttpError('unknown-route', `${type} is not served by this simulator`);
  };
  const base = EPIC_FHIR_BASE_PATH;
  const param = (req: SimRequest, name: string) => req.params[name] ?? '';

  const router = createRouter()
    .add('GET', `${base}/metadata`, (req) =>
      fhirJson(
        200,
        buildCapabilityStatement({
          baseUrl: req.baseUrl,
          fhirBasePath: base,
          rules: SEARCH_RULES,
          softwareDate: new Date(DATASET_ANCHOR_MS).toISOString(),
        }),
      ),
    )
    .add('GET', `${base}/.well-known/smart-configuration`, (req) =>
      json(200, buildSmartConfiguration(req.baseUrl, DEFAULT_SCOPES)),
    )
    .add('POST', TOKEN_PATH, (req) => auth.token(req))
    .add('GET', BUILT_IN_JWKS_PATH, () => json(200, keys.jwks))
    .add(
      'GET',
      `${base}/Group/:id/$export`,
      fhir((req) => bulk.kickOff(req, param(req, 'id'))),
    )
    .add(
      'GET',
      `${base}/BulkRequest/:job`,
      fhir((req) => bulk.status(req, param(req, 'job'))),
    )
    .add(
      'DELETE',
      `${base}/BulkRequest/:job`,
      fhir((req) => bulk.cancel(param(req, 'job'))),
    )
    .add(
      'GET',
      `${base}/BulkRequest/:job/:file`,
      fhir((req) => bulk.file(param(req, 'job'), param(req, 'file'))),
    );
  for (const prefix of [base, STU3_BASE_PATH]) {
    router
      .add(
        'POST',
        `${prefix}/Appointment/$find`,
        fhir((req) => scheduler.find(req)),
      )
      .add(
        'POST',
        `${prefix}/Appointment/$book`,
        fhir((req) => scheduler.book(req)),
      );
  }
  router
    .add(
      'POST',
      `${base}/:type/_search`,
      fhir((req) => {
        known(param(req, 'type'));
        return searchRecords(searchDeps, param(req, 'type'), req);
      }),
    )
    .add(
      'GET',
      `${base}/:type/:id`,
      fhir((req) => {
        known(param(req, 'type'));
        return readRecord(searchDeps, param(req, 'type'), param(req, 'id'));
      }),
    )
    .add(
      'GET',
      `${base}/:type`,
      fhir((req) => {
        known(param(req, 'type'));
        return searchRecords(searchDeps, param(req, 'type'), req);
      }),
    )
    .add(
      'POST',
      `${base}/:type`,
      fhir((req) => writes.create(param(req, 'type'), req)),
    )
    .add(
      'PUT',
      `${base}/:type/:id`,
      fhir((req) => writes.update(param(req, 'type'), param(req, 'id'), req)),
    );
  addAdminRoutes(router, { counters, faults, tick });

  const server = await listen(
    {
      router,
      counters,
      faults,
      unfaultedPrefixes: [ADMIN_PREFIX, BUILT_IN_JWKS_PATH],
      errors: {
        rateLimited: (withRetryAfter) =>
          epicError('throttled', 'Request rate exceeded', withRetryAfter ? { 'retry-after': '1' } : {}),
        serverError: () => epicError('server-error'),
        notFound: () => epicError('unknown-route'),
      },
    },
    options.port ?? 0,
  );

  const jwksUrl = `${server.url}${BUILT_IN_JWKS_PATH}`;
  auth.register({ clientId: builtInClientId, jwksUrl });
  const tokenUrl = `${server.url}${TOKEN_PATH}`;
  const signAssertion = () =>
    keys.signAssertion({ clientId: builtInClientId, tokenUrl, now: Math.floor(clock() / 1000) });

  const timer =
    options.tickEveryMs && options.tickEveryMs > 0
      ? setInterval(() => tick(1), options.tickEveryMs)
      : undefined;
  timer?.unref();

  return {
    ...server,
    source: 'epic',
    counters,
    faults,
    tick,
    fhirBaseUrl: `${server.url}${base}`,
    tokenUrl,
    groupId: dataset.groupId,
    organizationId: dataset.organizationId,
    backendClient: {
      clientId: builtInClientId,
      jwksUrl,
      keys,
      signAssertion,
      async fetchAccessToken() {
        const res = await fetch(tokenUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: await signAssertion(),
          }),
        });
        const body = (await res.json()) as { access_token?: string; error?: string };
        if (!res.ok || !body.access_token)
          throw new Error(`Epic simulator token request failed: ${body.error ?? res.status}`);
        return body.access_token;
      },
    },
    registerClient: (client) => auth.register(client),
    unregisterClient: (clientId) => auth.unregister(clientId),
    expireAllTokens: () => auth.expireAllTokens(),
    close: async () => {
      if (timer) clearInterval(timer);
      await server.close();
    },
  };
}
