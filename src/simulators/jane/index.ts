import { ADMIN_PREFIX, addAdminRoutes } from '../common/admin.ts';
import { systemClock } from '../common/clock.ts';
import { createRequestCounters } from '../common/counters.ts';
import { createFaultInjector } from '../common/faults.ts';
import { createRouter, listen } from '../common/http-server.ts';
import { createOAuthStore } from '../common/oauth.ts';
import { createSlidingWindowLimiter } from '../common/rate-limit.ts';
import { createRng } from '../common/rng.ts';
import type { RunningSimulator } from '../types.ts';
import { createApiRoutes, type ThrottleRule } from './api-guard.ts';
import { addKeycloakRoutes, keycloakPaths } from './auth/keycloak-routes.ts';
import { createTokenService } from './auth/tokens.ts';
import { API_VERSION, KNOWN_SCOPES, RATE_LIMITS } from './catalog.ts';
import { addChartRoutes } from './chart-routes.ts';
import { type Clinic, createClinic } from './clinic.ts';
import { addDocumentRoutes, FILES_PREFIX } from './document-routes.ts';
import { rateLimited, routeNotFound, serverError } from './errors.ts';
import {
  DEFAULT_CLIENT,
  DEFAULTS,
  type JaneClinicOptions,
  type JaneOAuthClient,
  type JaneSimulatorOptions,
  RESERVED_SLUGS,
  SLUG_PATTERN,
} from './options.ts';
import { addReadRoutes } from './read-routes.ts';
import { type TickState, tickClinic } from './tick.ts';

export type { GeneratedRecord, JaneDataset } from './dataset.ts';
export { generateJaneDataset } from './dataset.ts';
export type { JaneClinicOptions, JaneOAuthClient, JaneSimulatorOptions } from './options.ts';
export { SeedRecordsError } from './seed-records.ts';

export type JaneClinicInfo = {
  slug: string;
  /** The clinic URL: the `resource` to authorize and the access token audience. */
  url: string;
  /** Base of the JDP paths, e.g. `${url}/api/2026-01-01`. */
  apiBaseUrl: string;
};

export type RunningJaneSimulator = RunningSimulator & {
  source: 'jane';
  /** Every clinic under its path prefix; the first one is also `rootClinic`. */
  clinics: JaneClinicInfo[];
  /** The default clinic, served without a prefix (one host per clinic, as Jane does). */
  rootClinic: JaneClinicInfo;
  oauth: {
    clientId: string;
    clientSecret: string;
    redirectUris: string[];
    realm: string;
    issuer: string;
    authorizeUrl: string;
    tokenUrl: string;
    revokeUrl: string;
    jwksUrl: string;
    scopes: readonly string[];
    accessTokenSeconds: number;
    refreshTokenSeconds: number;
  };
  /** In-process access to a clinic's data (tests, demo); undefined slug = default clinic. */
  clinic(slug?: string): Clinic;
  tickClinic(slug: string, count: number): { created: number; updated: number };
};

export async function startJaneSimulator(options: JaneSimulatorOptions = {}): Promise<RunningJaneSimulator> {
  const clock = options.clock ?? systemClock;
  const seed = options.seed ?? DEFAULTS.seed;
  const clinicOptions = resolveClinics(options);
  const clients = resolveClients(options.clients);
  const realms = options.realms ?? [...DEFAULTS.realms];
  if (realms.length === 0) throw new Error('Jane simulator: at least one realm is required');

  const clinics = clinicOptions.map((c, i) =>
    createClinic({
      slug: c.slug,
      seed: c.seed ?? seed + i,
      patients: c.patients,
      seedRecords: c.seedRecords,
      clock,
      deepLinkBase: `https://${c.slug}.janeapp.test`,
    }),
  );
  const bySlug = new Map(clinics.map((c) => [c.slug, c]));
  const defaultClinic = clinics[0] as Clinic;
  const clinicFor = (slug: string | undefined) => (slug === undefined ? defaultClinic : bySlug.get(slug));

  const counters = createRequestCounters();
  const faults = createFaultInjector(createRng(seed ^ 0x5eed), options.faults);
  const corruptRng = createRng(seed ^ 0xbad);
  const oauth = createOAuthStore({
    clock,
    accessTtlSeconds: DEFAULTS.accessTokenSeconds,
    refreshTtlSeconds: DEFAULTS.refreshTokenSeconds,
  });
  const tokens = await createTokenService({
    clock,
    oauth,
    accessSeconds: DEFAULTS.accessTokenSeconds,
    refreshSeconds: DEFAULTS.refreshTokenSeconds,
  });
  const throttles: ThrottleRule[] =
    options.rateLimits === false
      ? []
      : RATE_LIMITS.map((r) => ({
          scope: r.scope,
          limiter: createSlidingWindowLimiter(r.limit, r.windowMs, clock),
          match: r.match,
        }));

  const router = createRouter();
  addKeycloakRoutes({
    router,
    realms,
    clients,
    oauth,
    tokens,
    clock,
    defaultResource: (baseUrl) => baseUrl,
    clinicForResource(resource, baseUrl) {
      if (resource === baseUrl) return defaultClinic;
      if (!resource.startsWith(`${baseUrl}/`)) return undefined;
      return bySlug.get(resource.slice(baseUrl.length + 1));
    },
  });
  const api = createApiRoutes({ router, clinicFor, tokens, faults, throttles });
  addReadRoutes({
    api,
    corruptIndex: (count) => (faults.roll('malformedRecord') ? corruptRng.int(0, count - 1) : undefined),
  });
  addChartRoutes(api);
  const maxUploadBytes = options.maxUploadBytes ?? DEFAULTS.maxUploadBytes;
  addDocumentRoutes({
    api,
    router,
    clock,
    clinicFor,
    maxUploadBytes,
    presignedUrlTtlMs: options.presignedUrlTtlMs ?? DEFAULTS.presignedUrlTtlMs,
  });

  const tickStates = new Map<string, TickState>(clinics.map((c) => [c.slug, { ticks: 0 }]));
  const tickOne = (slug: string, count: number) => {
    const clinic = bySlug.get(slug);
    const state = tickStates.get(slug);
    if (!clinic || !state) throw new Error(`Jane simulator: no clinic "${slug}"`);
    return tickClinic(clinic, state, count);
  };
  const tick = (count: number) => {
    const total = { created: 0, updated: 0 };
    for (const c of clinics) {
      const r = tickOne(c.slug, count);
      total.created += r.created;
      total.updated += r.updated;
    }
    return total;
  };
  addAdminRoutes(router, { counters, faults, tick });

  const server = await listen(
    {
      router,
      counters,
      faults,
      errors: {
        rateLimited: (withRetryAfter) => rateLimited(withRetryAfter ? 60 : undefined),
        serverError,
        notFound: routeNotFound,
      },
      // The identity provider is another host in reality; faults target the API.
      unfaultedPrefixes: [ADMIN_PREFIX, '/realms/', FILES_PREFIX],
      maxBodyBytes: maxUploadBytes + 1024 * 1024,
    },
    options.port ?? 0,
  );

  const timer =
    options.tickEveryMs && options.tickEveryMs > 0
      ? setInterval(() => tick(1), options.tickEveryMs)
      : undefined;
  timer?.unref();

  const realm = realms[0] as string;
  const paths = keycloakPaths(realm);
  const info = (c: Clinic, root: boolean): JaneClinicInfo => {
    const url = root ? server.url : `${server.url}/${c.slug}`;
    return { slug: c.slug, url, apiBaseUrl: `${url}/api/${API_VERSION}` };
  };
  const client = clients[0] as JaneOAuthClient;

  return {
    ...server,
    source: 'jane',
    counters,
    faults,
    tick,
    tickClinic: tickOne,
    clinics: clinics.map((c) => info(c, false)),
    rootClinic: info(defaultClinic, true),
    clinic(slug) {
      const found = clinicFor(slug);
      if (!found) throw new Error(`Jane simulator: no clinic "${slug}"`);
      return found;
    },
    oauth: {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      redirectUris: client.redirectUris,
      realm,
      issuer: `${server.url}${paths.issuer}`,
      authorizeUrl: `${server.url}${paths.auth}`,
      tokenUrl: `${server.url}${paths.token}`,
      revokeUrl: `${server.url}${paths.revoke}`,
      jwksUrl: `${server.url}${paths.certs}`,
      scopes: client.scopes ?? KNOWN_SCOPES,
      accessTokenSeconds: DEFAULTS.accessTokenSeconds,
      refreshTokenSeconds: DEFAULTS.refreshTokenSeconds,
    },
    async close() {
      if (timer) clearInterval(timer);
      await server.close();
    },
  };
}

function resolveClinics(options: JaneSimulatorOptions): JaneClinicOptions[] {
  const clinics = options.clinics?.length
    ? options.clinics
    : [{ slug: DEFAULTS.clinicSlug, patients: options.patients, seedRecords: options.seedRecords }];
  const resolved = clinics.map((c) => ({
    ...c,
    // Generated patients default on unless the clinic is seeded from a file only.
    patients:
      c.patients ?? (c.seedRecords === undefined ? (options.patients ?? DEFAULTS.patients) : undefined),
  }));
  const seen = new Set<string>();
  for (const c of resolved) {
    if (!SLUG_PATTERN.test(c.slug) || RESERVED_SLUGS.has(c.slug)) {
      throw new Error(
        `Jane simulator: clinic slug "${c.slug}" must be lowercase letters, digits and dashes, and not ${[...RESERVED_SLUGS].join('/')}`,
      );
    }
    if (seen.has(c.slug)) throw new Error(`Jane simulator: clinic slug "${c.slug}" is used twice`);
    seen.add(c.slug);
    if (c.patients !== undefined && (!Number.isInteger(c.patients) || c.patients < 0)) {
      throw new Error(`Jane simulator: patients for clinic "${c.slug}" must be a non-negative integer`);
    }
  }
  return resolved;
}

function resolveClients(clients: JaneOAuthClient[] | undefined): JaneOAuthClient[] {
  const list = clients?.length ? clients : [DEFAULT_CLIENT];
  for (const c of list) {
    if (!c.clientId || !c.clientSecret || c.redirectUris.length === 0) {
      throw new Error(
        'Jane simulator: every OAuth client needs a clientId, a clientSecret and at least one redirect URI',
      );
    }
    const unknown = (c.scopes ?? []).filter((s) => !(KNOWN_SCOPES as readonly string[]).includes(s));
    if (unknown.length)
      throw new Error(`Jane simulator: unknown scopes for client ${c.clientId}: ${unknown.join(', ')}`);
  }
  return list;
}
