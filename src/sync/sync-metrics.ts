import { Counter, Gauge, type Registry } from 'prom-client';
import type { Store } from '../store/port.ts';
import type { OperationsView } from './operations-view.ts';
import type { PageEvent } from './poll-connection.ts';
import type { SyncEngineDeps } from './sync-engine.ts';

export type SyncMetrics = {
  /** Hooks for the engine (records, pages and runs counted as they happen). */
  readonly onPage: NonNullable<SyncEngineDeps['onPage']>;
  readonly onRun: NonNullable<SyncEngineDeps['onRun']>;
  /** Sets the gauges from the operations view; /metrics calls it before each scrape. */
  refresh(): Promise<void>;
};

/**
 * Prometheus metrics of the sync, in the registry passed in (never prom-client's global one).
 * Labels are tenant ids, connection ids, catalog row keys, codes: no PHI.
 */
export function createSyncMetrics(deps: {
  registry: Registry;
  store: Pick<Store, 'tenants'>;
  view: OperationsView;
}): SyncMetrics {
  const registers = [deps.registry];
  const records = new Counter({
    name: 'gateway_sync_records_total',
    help: 'Native records processed by the sync, by outcome (created, updated, unchanged, skipped, quarantined).',
    labelNames: ['tenant', 'connection', 'row', 'outcome', 'backfill'],
    registers,
  });
  const pages = new Counter({
    name: 'gateway_sync_pages_total',
    help: 'Pages committed by the sync.',
    labelNames: ['tenant', 'connection', 'row'],
    registers,
  });
  const runs = new Counter({
    name: 'gateway_sync_runs_total',
    help: 'Sync runs of a connection by outcome (completed, partial, not_leader, fenced_out, needs_reauth).',
    labelNames: ['tenant', 'connection', 'outcome'],
    registers,
  });
  const lag = new Gauge({
    name: 'gateway_sync_row_lag_seconds',
    help: 'Seconds since a catalog row was last polled up to date.',
    labelNames: ['tenant', 'connection', 'row'],
    registers,
  });
  const backfilling = new Gauge({
    name: 'gateway_sync_row_backfilling',
    help: '1 while a catalog row is still in its first run (backfill).',
    labelNames: ['tenant', 'connection', 'row'],
    registers,
  });
  const requestsUsed = new Gauge({
    name: 'gateway_connector_requests_used',
    help: 'Requests used in the current budget window.',
    labelNames: ['tenant', 'connection', 'window'],
    registers,
  });
  const requestsLimit = new Gauge({
    name: 'gateway_connector_requests_limit',
    help: 'Requests allowed in the budget window.',
    labelNames: ['tenant', 'connection', 'window'],
    registers,
  });
  const quarantined = new Gauge({
    name: 'gateway_sync_quarantined_records',
    help: 'Records in quarantine for a connection.',
    labelNames: ['tenant', 'connection'],
    registers,
  });
  const state = new Gauge({
    name: 'gateway_connection_state',
    help: '1 for the state a connection is in (active, needs_reauth, circuit_open, polled_elsewhere...).',
    labelNames: ['tenant', 'connection', 'state'],
    registers,
  });

  return {
    onPage(event: PageEvent) {
      const { tenant, id } = event.connection;
      const labels = { tenant, connection: id, row: event.row.key };
      pages.inc(labels);
      for (const [outcome, count] of Object.entries(event.counts)) {
        if (outcome !== 'warnings' && count > 0) {
          records.inc({ ...labels, outcome, backfill: String(event.backfill) }, count);
        }
      }
    },
    onRun(connection, run) {
      runs.inc({ tenant: connection.tenant, connection: connection.id, outcome: run.outcome });
    },
    async refresh() {
      for (const gauge of [lag, backfilling, requestsUsed, requestsLimit, quarantined, state]) gauge.reset();
      for (const tenant of await deps.store.tenants.list()) {
        for (const view of await deps.view.connections(tenant.id)) {
          const base = { tenant: view.tenant, connection: view.connection };
          quarantined.set(base, view.quarantined);
          state.set({ ...base, state: view.state }, 1);
          for (const row of view.rows) {
            if (row.lagSeconds !== undefined) lag.set({ ...base, row: row.row }, row.lagSeconds);
            backfilling.set({ ...base, row: row.row }, row.backfilling ? 1 : 0);
          }
          for (const window of view.requests) {
            requestsUsed.set({ ...base, window: window.window }, window.used);
            requestsLimit.set({ ...base, window: window.window }, window.limit);
          }
        }
      }
    },
  };
}
