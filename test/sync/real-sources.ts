import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  createSharedConnectorState,
  type SharedConnectorState,
} from '../../src/connectors/common/connector-deps.ts';
import { ensureEpicConnection } from '../../src/connectors/connection-setup.ts';
import type { Connector } from '../../src/connectors/connector.ts';
import { createConnectors } from '../../src/connectors/registry.ts';
import { createIdentityScheme } from '../../src/fhir/identity.ts';
import { createLogger } from '../../src/log/create-logger.ts';
import { loadMappingSet } from '../../src/mapping/load-mapping-set.ts';
import { loadMappingDefinitions } from '../../src/mapping/mapping-definitions.ts';
import type { MappingSet } from '../../src/mapping/mapping-set.ts';
import { createJwksRoute } from '../../src/server/connect/jwks-route.ts';
import type { EpicSimulator } from '../../src/simulators/epic/index.ts';
import type { Change, Connection, Store } from '../../src/store/port.ts';

export const silentLog = createLogger({ level: 'silent' });

let mappings: MappingSet | undefined;
/** The project's mapping set, loaded once per test file. */
export function projectMappings(): MappingSet {
  mappings ??= loadMappingSet({
    dir: join(import.meta.dirname, '../../mappings'),
    defs: loadMappingDefinitions(),
    scheme: createIdentityScheme(),
  });
  return mappings;
}

/**
 * The real connectors with short retry waits. `clock` replaces the connectors' clock (budgets,
 * token expiry) when a test must not be paced by an hourly budget that has its own tests.
 */
export function realConnectors(
  store: Store,
  options: {
    now?: () => number;
    fetch?: typeof fetch;
    shared?: SharedConnectorState;
    limits?: 'source' | 'off';
  } = {},
): Connector[] {
  return Object.values(
    createConnectors({
      store,
      log: silentLog,
      shared: createSharedConnectorState(),
      retry: { baseDelayMs: 5, maxDelayMs: 40, maxWaitMs: 5_000, timeoutMs: 5_000 },
      ...options,
    }),
  );
}

/** Serves the gateway's JWKS (Epic fetches it at token time) on 127.0.0.1; answers its URL. */
export async function serveJwks(store: Store): Promise<{ url: string; close(): Promise<void> }> {
  const route = createJwksRoute({ store });
  const server: Server = createServer((req, res) => void route(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An Epic backend-services connection whose keys the gateway generates, registered at the simulator. */
export async function connectEpic(
  store: Store,
  sim: EpicSimulator,
  jwksUrl: string,
  opts: { tenant: string; id: string },
): Promise<Connection> {
  await store.tenants.ensure(opts.tenant);
  const clientId = `gw-${opts.tenant}`;
  sim.registerClient({ clientId, jwksUrl });
  return ensureEpicConnection(store, {
    tenant: opts.tenant,
    id: opts.id,
    fhirBaseUrl: sim.fhirBaseUrl,
    tokenUrl: sim.tokenUrl,
    clientId,
    groupId: sim.groupId,
    now: Date.now(),
  });
}

/** Changes after `cursor`, all of them; answers them with the cursor after the last. */
export async function changesAfter(
  store: Store,
  cursor: string | undefined,
): Promise<{ changes: Change[]; cursor: string | undefined }> {
  const changes: Change[] = [];
  let at = cursor;
  for (;;) {
    const page = await store.changes.after(at, 1_000, { allTenants: true });
    if (page.changes.length === 0) return { changes, cursor: at };
    changes.push(...page.changes);
    at = page.cursor;
  }
}
