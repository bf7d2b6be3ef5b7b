import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { createConnectRoutes } from './server/connect/connect-routes.ts';
import type { ConnectSeal } from './server/connect/connect-seal.ts';
import { createJwksRoute } from './server/connect/jwks-route.ts';
import { FHIR_METADATA_PATH, type FhirDefinitionsServer } from './server/fhir-definitions-routes.ts';
import { createFrontDoor } from './server/front-door.ts';
import type { GraphQLServer } from './server/graphql-server.ts';
import { createHealthRoutes } from './server/health-routes.ts';
import { createMetricsRoute, type MetricsSource } from './server/metrics-route.ts';
import type { RunningSimulator } from './simulators/types.ts';
import type { Store } from './store/port.ts';

export type AppDeps = {
  store: Store;
  log: Logger;
  demo?: readonly RunningSimulator[];
  /** Serves `/graphql`, `/$graphql` and `/[Type]/[id]/$graphql` (server/graphql-server.ts). */
  graphql?: GraphQLServer;
  /** Prometheus metrics at /metrics (the sync's and the process's). */
  metrics?: MetricsSource;
  /** Seals connect links and OAuth state (from the data-encryption key); no connect flow without it. */
  connectSeal?: ConnectSeal;
  /** Serves the gateway's published definitions under `/fhir` (server/fhir-definitions-routes.ts). */
  definitions?: FhirDefinitionsServer;
};

export type App = {
  /** The node:http request listener. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** The node:http `upgrade` listener (GraphQL over WebSocket); other upgrades are refused. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): Promise<void>;
};

/** Builds the gateway from its dependencies; listening is main.ts's job, so tests can run it in-process. */
export function createApp(deps: AppDeps): App {
  const health = createHealthRoutes({ store: deps.store, startedAt: Date.now() });
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>> = {
    'GET /healthz': health.healthz,
    'GET /readyz': health.readyz,
    ...(deps.metrics ? { 'GET /metrics': createMetricsRoute(deps.metrics) } : {}),
    'GET /.well-known/jwks.json': createJwksRoute({ store: deps.store }),
    ...(deps.connectSeal
      ? createConnectRoutes({ store: deps.store, log: deps.log, seal: deps.connectSeal })
      : {}),
    'GET /': createFrontDoor({
      store: deps.store,
      demo: deps.demo ?? [],
      // GraphQL and /fhir are served beside the table: listed when they are there.
      routes: () => [
        ...Object.keys(routes),
        ...(deps.graphql ? ['GET /graphql'] : []),
        ...(deps.definitions ? [`GET ${FHIR_METADATA_PATH}`] : []),
      ],
    }),
  };
  return {
    handle(req, res) {
      const path = new URL(req.url ?? '/', 'http://gateway').pathname;
      if (deps.graphql?.matches(path)) {
        deps.graphql.handle(req, res);
        return;
      }
      if (deps.definitions?.matches(path)) {
        deps.definitions.handle(req, res);
        return;
      }
      const route = routes[`${req.method ?? 'GET'} ${path}`];
      if (!route) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'not found' }));
        return;
      }
      Promise.resolve(route(req, res)).catch((err: unknown) => {
        deps.log.error({ err }, 'request failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'internal error' }));
      });
    },
    upgrade(req, socket, head) {
      if (deps.graphql) deps.graphql.upgrade(req, socket, head);
      else socket.destroy();
    },
    async close() {
      await deps.graphql?.close();
    },
  };
}
