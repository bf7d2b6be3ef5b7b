import { connectionState } from '../connectors/common/connection-state.ts';
import type { CatalogRow, Connector, ConnectorStatus } from '../connectors/connector.ts';
import type { Connection, Store } from '../store/port.ts';
import type { SyncEngine } from './sync-engine.ts';
import {
  connectionLeaseName,
  decodeRowStatus,
  decodeRowWatermark,
  rowStatusKey,
  watermarkKey,
} from './sync-keys.ts';

export type RowOperations = {
  readonly row: string;
  /** When a poll of this row last read everything up to now (ISO instant); undefined: never. */
  readonly lastSuccessAt: string | undefined;
  /** Seconds since lastSuccessAt: how stale this row's data can be. */
  readonly lagSeconds: number | undefined;
  /** The first run (backfill) has not finished yet. */
  readonly backfilling: boolean;
  readonly lastError: { readonly at: string; readonly code: string; readonly message: string } | undefined;
};

export type ConnectionOperations = {
  readonly tenant: string;
  readonly connection: string;
  readonly source: Connection['source'];
  /**
   * active / needs_reauth / backing_off / circuit_open: the connector's own state; polling / idle /
   * error: this process's last run; polled_elsewhere: another process holds the connection's lease;
   * not_scheduled: no engine in this process runs it.
   */
  readonly state:
    | ConnectorStatus['state']
    | 'polling'
    | 'idle'
    | 'error'
    | 'polled_elsewhere'
    | 'not_scheduled';
  readonly cadence: string | undefined;
  readonly leaseHolder: string | undefined;
  readonly rows: readonly RowOperations[];
  readonly requests: ConnectorStatus['requestsUsed'];
  readonly quarantined: number;
  readonly lastError: { readonly at: string; readonly code: string; readonly message: string } | undefined;
};

export type OperationsView = {
  /** Every connection of a tenant, in id order. */
  connections(tenant: string): Promise<ConnectionOperations[]>;
  connection(tenant: string, id: string): Promise<ConnectionOperations | undefined>;
};

export type OperationsViewDeps = {
  readonly store: Store;
  readonly engine: SyncEngine;
  readonly connectors: readonly Connector[];
  readonly now?: () => number;
};

/**
 * The operations view per connection, for the GraphQL layer and /metrics: what the store knows
 * (watermarks, the rows' last poll, quarantine, the lease) joined with what this process's engine
 * and connector session know (state, requests used against the budget, the last error).
 * Ids, codes and counts only: no PHI.
 */
export function createOperationsView(deps: OperationsViewDeps): OperationsView {
  const now = deps.now ?? Date.now;

  const describe = async (connection: Connection): Promise<ConnectionOperations> => {
    const { tenant, id } = connection;
    const catalog: readonly CatalogRow[] =
      deps.connectors.find((c) => c.source === connection.source)?.catalog ?? [];
    const rows: RowOperations[] = [];
    for (const row of catalog) {
      if (row.polledBy !== undefined) continue;
      const status = decodeRowStatus(await deps.store.watermarks.get(rowStatusKey(tenant, id, row.key)));
      const mark = decodeRowWatermark(await deps.store.watermarks.get(watermarkKey(tenant, id, row.key)));
      const lastSuccessAt = status?.lastSuccessAt;
      rows.push({
        row: row.key,
        lastSuccessAt,
        lagSeconds:
          lastSuccessAt === undefined ? undefined : Math.max(0, (now() - Date.parse(lastSuccessAt)) / 1000),
        backfilling: mark === undefined || mark.backfilling,
        lastError: status?.lastError,
      });
    }
    const engineState = deps.engine.state(tenant, id);
    // Budgets shared through the store: every process's use, not only this one's (a failing store
    // leaves the figure this process last read).
    await engineState?.session?.refreshStatus?.().catch(() => undefined);
    const session = engineState?.session?.status();
    const lease = await deps.store.leases.current(connectionLeaseName(tenant, id));
    const quarantined = (await deps.store.quarantine.list(tenant, { connection: id, limit: 10_000 })).length;
    // A stored needs_reauth (any process found the credentials refused) holds until a reconnect.
    const state: ConnectionOperations['state'] =
      connectionState(connection) === 'needs_reauth'
        ? 'needs_reauth'
        : session && session.state !== 'active'
          ? session.state
          : (engineState?.state ?? (lease ? 'polled_elsewhere' : 'not_scheduled'));
    const rowErrors = rows.flatMap((row) => (row.lastError ? [row.lastError] : []));
    const lastError = [session?.lastError, engineState?.lastError, ...rowErrors]
      .filter((error) => error !== undefined)
      .sort((a, b) => b.at.localeCompare(a.at))[0];
    return {
      tenant,
      connection: id,
      source: connection.source,
      state,
      cadence: engineState?.cadence,
      leaseHolder: lease?.holder,
      rows,
      requests: session?.requestsUsed ?? [],
      quarantined,
      lastError,
    };
  };

  return {
    async connections(tenant) {
      const connections = await deps.store.connections.list(tenant);
      const sorted = [...connections].sort((a, b) => a.id.localeCompare(b.id));
      return Promise.all(sorted.map(describe));
    },
    async connection(tenant, id) {
      const connection = await deps.store.connections.get(tenant, id);
      return connection ? describe(connection) : undefined;
    },
  };
}
