import type { Connector } from '../connectors/connector.ts';
import { isSourceSystem } from '../fhir/identity.ts';
import type { AdminOps } from '../graphql/admin/admin-ops.ts';
import type { MappingSet } from '../mapping/mapping-set.ts';
import type { Store } from '../store/port.ts';
import { connectionForwardOptions, pageForwardOptions } from './forward-options.ts';
import type { OperationsView } from './operations-view.ts';
import { createTriggerTagger } from './trigger-tagger.ts';
import { writePage } from './write-page.ts';

export type SyncAdminOpsDeps = {
  readonly store: Store;
  readonly view: OperationsView;
  readonly mappings: MappingSet;
  readonly connectors: readonly Connector[];
  /** Connect-link minting, when this process serves the connect flow. */
  readonly mintConnectLink?: AdminOps['mintConnectLink'];
};

/** `<source>:<entity>/<native id>`, as write-page.ts names a quarantined record. */
const QUARANTINE_WHAT = /^([a-z]+):([^/]+)\/.+$/;

/**
 * The admin operations the sync engine owns: a connection's sync state from the operations view,
 * and replay of a quarantined record through today's mappings. A replay that maps is written with
 * the same provenance and triggers as a poll would give it, and the entry is removed; one that
 * still fails stays, and the answer says why (the mapping's reason names paths, never values).
 */
export function createSyncAdminOps(deps: SyncAdminOpsDeps): AdminOps {
  return {
    async syncState(tenant, connection) {
      const ops = await deps.view.connection(tenant, connection);
      if (!ops) return undefined;
      return {
        state: ops.state,
        cadence: ops.cadence,
        leaseHolder: ops.leaseHolder,
        quarantined: ops.quarantined,
        lastError: ops.lastError,
        rows: ops.rows.map((row) => ({
          row: row.row,
          lastSuccessAt: row.lastSuccessAt,
          lagSeconds: row.lagSeconds,
          backfilling: row.backfilling,
        })),
      };
    },

    async replayQuarantine(tenant, id) {
      const entries = await deps.store.quarantine.list(tenant, { limit: 10_000 });
      const entry = entries.find((candidate) => candidate.id === id);
      if (!entry) return { outcome: 'not_found' };
      const match = QUARANTINE_WHAT.exec(entry.what);
      const connection = await deps.store.connections.get(tenant, entry.connection);
      if (!match || !connection) return { outcome: 'not_replayable', detail: 'its connection is gone' };
      const source = match[1] ?? '';
      const entity = match[2] ?? '';
      if (!isSourceSystem(source) || source !== connection.source) {
        return { outcome: 'not_replayable', detail: 'the entry names another source' };
      }
      const scope = { tenant, connectionId: connection.id, source };
      // Mapped as the sync maps it: the connection's time zone, currency, base URL.
      const options = pageForwardOptions(connection, connectionForwardOptions(connection), [entry.raw]);
      const mapped = deps.mappings.forward(source, entity, entry.raw, scope, options);
      if (!mapped.ok) {
        return 'skipped' in mapped
          ? { outcome: 'skipped', detail: 'the mapping now leaves this record out' }
          : { outcome: 'still_failing', detail: mapped.reason };
      }
      const connector = deps.connectors.find((candidate) => candidate.source === source);
      const row = connector?.catalog.find((candidate) => candidate.entity === entity);
      const counts = await writePage(
        { store: deps.store, mappings: deps.mappings },
        {
          tenant,
          connection: { id: connection.id, source },
          entity,
          records: [entry.raw],
          options,
          ...(connector && row ? { triggers: createTriggerTagger(connector.triggers, row) } : {}),
        },
      );
      await deps.store.quarantine.remove(tenant, entry.id);
      return {
        outcome: 'replayed',
        detail: `created ${counts.created}, updated ${counts.updated}, unchanged ${counts.unchanged}`,
      };
    },

    ...(deps.mintConnectLink ? { mintConnectLink: deps.mintConnectLink } : {}),
  };
}
