import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Connector } from '../connectors/connector.ts';
import type { MappingSet } from '../mapping/mapping-set.ts';
import type { MetricsSource } from '../server/metrics-route.ts';
import type { Store } from '../store/port.ts';
import { createOperationsView, type OperationsView } from './operations-view.ts';
import type { ConnectionRun } from './poll-connection.ts';
import { createSyncEngine, type SyncEngine } from './sync-engine.ts';
import { createSyncMetrics } from './sync-metrics.ts';

export type SyncService = {
  readonly engine: SyncEngine;
  /** The operations view per connection (the GraphQL layer exposes it). */
  readonly view: OperationsView;
  /** Registry and refresh for GET /metrics: the sync's metrics and the process's (RSS, CPU, event loop). */
  readonly metrics: MetricsSource;
};

export type SyncServiceDeps = {
  readonly store: Store;
  readonly log: Logger;
  readonly mappings: MappingSet;
  readonly connectors: readonly Connector[];
  /** This process's lease-holder identity; default host:pid:random. */
  readonly holder?: string;
  /** One cadence for every source (SYNC_CADENCE), instead of the per-source defaults. */
  readonly cadence?: string;
  /** How long a connection's lease lasts without renewal (SYNC_LEASE_TTL_MS). */
  readonly leaseTtlMs?: number;
};

/** Builds the sync engine with its operations view and metrics; main.ts starts and stops it. */
export function createSyncService(deps: SyncServiceDeps): SyncService {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let metrics: ReturnType<typeof createSyncMetrics> | undefined;
  const engine = createSyncEngine({
    store: deps.store,
    log: deps.log,
    mappings: deps.mappings,
    connectors: deps.connectors,
    holder: deps.holder ?? `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 10)}`,
    ...(deps.leaseTtlMs ? { leaseTtlMs: deps.leaseTtlMs } : {}),
    ...(deps.cadence ? { cadence: { jane: deps.cadence, drchrono: deps.cadence, epic: deps.cadence } } : {}),
    onPage: (event) => metrics?.onPage(event),
    onRun: (connection, run) => {
      metrics?.onRun(connection, run);
      logRun(deps.log, connection.tenant, connection.id, run);
    },
  });
  const view = createOperationsView({ store: deps.store, engine, connectors: deps.connectors });
  metrics = createSyncMetrics({ registry, store: deps.store, view });
  const sync = metrics;
  return { engine, view, metrics: { registry, refresh: () => sync.refresh() } };
}

/** One brief line per run that changed something or failed: ids and counts only. */
function logRun(log: Logger, tenant: string, connection: string, run: ConnectionRun): void {
  const total = { created: 0, updated: 0, quarantined: 0 };
  for (const row of run.rows) {
    total.created += row.counts.created;
    total.updated += row.counts.updated;
    total.quarantined += row.counts.quarantined;
  }
  const failed = run.rows.filter((row) => row.error).map((row) => `${row.row}:${row.error?.code}`);
  if (total.created + total.updated + total.quarantined === 0 && failed.length === 0) return;
  const backfill = run.rows.some((row) => row.backfill && row.pages > 0);
  log.info(
    {
      tenant,
      connection,
      outcome: run.outcome,
      backfill,
      ...total,
      ...(failed.length > 0 ? { codes: failed } : {}),
    },
    'sync run',
  );
}
