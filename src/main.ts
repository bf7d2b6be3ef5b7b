import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { createActionService } from './actions/action-service.ts';
import { mutationSpec } from './actions/write-targets.ts';
import { createApp } from './app.ts';
import { createApiKeyService } from './auth/api-keys.ts';
import { resolveKeyring } from './config/encryption-key.ts';
import { ConfigError, loadConfig } from './config/load-config.ts';
import {
  applyDeclaredConnections,
  DeclaredConnectionsError,
  loadDeclaredConnections,
} from './connectors/declared-connections.ts';
import { createConnectors } from './connectors/registry.ts';
import { connectDemoClinics } from './demo/connect-demo-clinics.ts';
import { ensureDemoApiKey, loadGraphiQLExamples } from './demo/demo-api-key.ts';
import { logDemoKey } from './demo/demo-key-log.ts';
import { startDemoClinics } from './demo/start-demo-clinics.ts';
import { createChangeFeed } from './events/change-feed.ts';
import { createChangeTailer } from './events/change-tailer.ts';
import { createEventCursors, deriveEventCursorKeys } from './events/event-cursors.ts';
import { wakeOnChangeStream } from './events/mongo-change-stream.ts';
import { notifyOnCommit } from './events/notify-on-commit.ts';
import { ALL_TRIGGERS } from './events/trigger-catalog.ts';
import { loadFhirDefinitions } from './fhir/definitions.ts';
import { createIdentityScheme, isSourceSystem, SOURCE_SYSTEMS } from './fhir/identity.ts';
import { searchIndexer } from './fhir/search-indexer.ts';
import { createLogger } from './log/create-logger.ts';
import { loadMappingSet } from './mapping/load-mapping-set.ts';
import { loadMappingDefinitions } from './mapping/mapping-definitions.ts';
import { loadPublishedDefinitions } from './mapping/published-definitions.ts';
import { mintConnectLink } from './server/connect/connect-link.ts';
import { createConnectSeal } from './server/connect/connect-seal.ts';
import { createFhirDefinitionsServer } from './server/fhir-definitions-routes.ts';
import { createGatewayGraphQL } from './server/gateway-graphql.ts';
import { GRAPHQL_PATH } from './server/graphql-server.ts';
import { openStore } from './store/open-store.ts';
import { storeUnavailableLine } from './store/store-unavailable.ts';
import { createSyncAdminOps } from './sync/admin-ops.ts';
import { createSyncService } from './sync/create-sync-service.ts';

/** Wires the gateway from the environment and listens. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger({ level: config.LOG_LEVEL });
  const keyring = resolveKeyring(config, log);
  const definitions = loadFhirDefinitions();
  let opened: Awaited<ReturnType<typeof openStore>>;
  try {
    opened = await openStore(config, keyring, { indexer: searchIndexer(definitions) });
  } catch (err) {
    process.stderr.write(`${storeUnavailableLine(config, err)}\n`);
    process.exit(1);
  }
  // One tailer per process; every write through `store` wakes it (other processes' by its poll).
  const tailer = createChangeTailer({ changes: opened.changes, log, pollMs: config.EVENTS_POLL_MS });
  const store = notifyOnCommit(opened, tailer.wake);
  const keys = createApiKeyService({ store });
  if (config.CONNECTIONS_FILE) {
    try {
      const applied = await applyDeclaredConnections(
        store,
        loadDeclaredConnections(config.CONNECTIONS_FILE),
        process.env,
        Date.now(),
      );
      log.info(applied, 'declared connections applied');
    } catch (err) {
      if (!(err instanceof DeclaredConnectionsError)) throw err;
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
  }
  const demo =
    config.DEMO === 'on' || (config.DEMO === 'auto' && config.NODE_ENV !== 'production')
      ? await startDemoClinics({ tickEveryMs: config.DEMO_TICK_MS })
      : [];
  for (const sim of demo)
    log.info({ source: sim.source, url: sim.url }, 'demo mode: simulated clinic running');
  const demoKey =
    demo.length > 0 ? await ensureDemoApiKey({ store, keys, dataDir: config.DATA_DIR }) : undefined;
  const scheme = createIdentityScheme();
  const mappingsDir = join(import.meta.dirname, '../mappings');
  const mappings = loadMappingSet({
    dir: mappingsDir,
    defs: loadMappingDefinitions(),
    scheme,
  });
  const connectors = Object.values(createConnectors({ store, log }));
  const sync = createSyncService({
    store,
    log,
    mappings,
    connectors,
    ...(config.SYNC_CADENCE ? { cadence: config.SYNC_CADENCE } : {}),
    leaseTtlMs: config.SYNC_LEASE_TTL_MS,
  });
  // Known for sure once listening (PORT may be 0); links minted before then use the configured one.
  let gatewayUrl = `http://${config.HOST}:${config.PORT}`;
  const connectSeal = createConnectSeal(keyring.current);
  const admin = createSyncAdminOps({
    store,
    view: sync.view,
    mappings,
    connectors,
    mintConnectLink: ({ tenant, source, ttlMs }) => {
      if (!isSourceSystem(source)) throw new Error(`source must be one of ${SOURCE_SYSTEMS.join(', ')}`);
      return mintConnectLink(connectSeal, {
        tenant,
        source,
        gatewayUrl,
        now: Date.now(),
        ...(ttlMs !== undefined ? { ttlMs } : {}),
      });
    },
  });
  const actions = createActionService({
    store,
    mappings,
    connectors,
    definitions,
    scheme,
    log,
  });
  const feed = createChangeFeed({
    store,
    tailer,
    cursors: createEventCursors(deriveEventCursorKeys([keyring.current, ...(keyring.previous ?? [])])),
    resourceTypes: definitions.resourceTypes,
    triggers: ALL_TRIGGERS,
    log,
    syncView: sync.view,
    ...(config.SYNC_CADENCE
      ? { cadence: { jane: config.SYNC_CADENCE, drchrono: config.SYNC_CADENCE, epic: config.SYNC_CADENCE } }
      : {}),
    pollMs: config.EVENTS_POLL_MS,
    heartbeatMs: config.EVENTS_HEARTBEAT_MS,
    bufferSize: config.EVENTS_BUFFER,
  });
  await tailer.start();
  // Where the MongoDB deployment offers change streams, other processes' commits wake the tailer
  // at once; without them (standalone, FerretDB) the poll finds them.
  const changeStream =
    config.STORE === 'mongo' && config.MONGODB_URL
      ? await watchMongoChanges(config.MONGODB_URL, tailer.wake, log)
      : undefined;
  const graphql = createGatewayGraphQL({
    store,
    feed,
    definitions,
    keys,
    log,
    admin,
    sources: { connectors, mappings, scheme },
    actions,
    mutations: mutationSpec(connectors, mappings),
    demo: demoKey && { apiKey: demoKey.token, examples: loadGraphiQLExamples() },
  });
  const app = createApp({
    store,
    log,
    demo,
    graphql,
    connectSeal,
    metrics: sync.metrics,
    definitions: createFhirDefinitionsServer({ catalog: loadPublishedDefinitions(mappingsDir, scheme) }),
  });
  const server = createServer(app.handle);
  server.on('upgrade', app.upgrade);
  await new Promise<void>((resolve) => server.listen(config.PORT, config.HOST, resolve));
  const { port } = server.address() as AddressInfo;
  gatewayUrl = `http://${config.HOST}:${port}`;
  log.info(
    { store: store.kind, demo: demo.length > 0, url: `http://${config.HOST}:${port}` },
    demo.length > 0
      ? 'gateway listening in DEMO MODE (simulated clinics, synthetic data)'
      : 'gateway listening',
  );
  if (demoKey) {
    logDemoKey(log, demoKey, `http://${config.HOST}:${port}${GRAPHQL_PATH}`);
  }
  // Installed before the demo clinics connect (which takes seconds): a signal meanwhile still
  // shuts down cleanly instead of killing the process with the default handler.
  let stopping = false;
  const shutdown = async (signal: string) => {
    stopping = true;
    log.info({ signal }, 'shutting down');
    server.close();
    server.closeAllConnections();
    await sync.engine.stop();
    await app.close();
    await changeStream?.stop();
    await tailer.stop();
    await Promise.all(demo.map((sim) => sim.close()));
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  if (demo.length > 0) {
    try {
      await connectDemoClinics({ store, log, gatewayUrl: `http://${config.HOST}:${port}`, simulators: demo });
    } catch (err) {
      log.error(
        { err: { message: (err as Error).message } },
        'demo mode: connecting the simulated clinics failed',
      );
    }
  }
  if (!stopping) await sync.engine.start();
}

/** A separate client for the change stream: the store's pool stays for reads and writes. */
async function watchMongoChanges(
  url: string,
  wake: () => void,
  log: ReturnType<typeof createLogger>,
): Promise<{ stop(): Promise<void> }> {
  const client = new MongoClient(url);
  await client.connect();
  const dbName = new URL(url).pathname.replace(/^\//, '') || 'fhir_gateway';
  const stream = wakeOnChangeStream(client.db(dbName).collection('changes'), wake, log);
  return {
    async stop() {
      await stream.stop();
      await client.close();
    },
  };
}

await main();
