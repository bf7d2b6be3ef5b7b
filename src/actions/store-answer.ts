import type { CatalogRow, Connector } from '../connectors/connector.ts';
import type { MappingSet } from '../mapping/mapping-set.ts';
import type { Connection, PutResult, Store, StoredResource } from '../store/port.ts';
import { forwardOptionsFor } from '../sync/poll-connection.ts';
import { createTriggerTagger } from '../sync/trigger-tagger.ts';
import { writePage } from '../sync/write-page.ts';
import { ActionError } from './action-error.ts';

export type StoreAnswerDeps = {
  readonly store: Store;
  readonly mappings: MappingSet;
};

/**
 * Stores native records the source answered exactly as the poller would (the sync layer's page
 * write: same mapping, options, triggers and content hash), so the change event is emitted once
 * here and the next poll of the same record finds an unchanged hash and emits nothing.
 */
export async function storeNativeRecords(
  deps: StoreAnswerDeps,
  connection: Connection,
  connector: Connector,
  row: CatalogRow,
  records: readonly unknown[],
  /** A delete's read-back: the row's deletion mark tombstones what the record stands for, as a poll does. */
  options: { readonly deleted?: boolean } = {},
): Promise<PutResult[]> {
  const written: PutResult[] = [];
  const counts = await writePage(deps, {
    tenant: connection.tenant,
    connection: { id: connection.id, source: connection.source },
    entity: row.entity,
    records,
    triggers: createTriggerTagger(connector.triggers, row),
    // The poller's options (time zone, currency, Epic's page-level reference resolver): same hash.
    options: forwardOptionsFor(connection, records),
    onWritten: (results) => written.push(...results),
    ...(options.deleted && row.deletedWhen ? { deletedWhen: row.deletedWhen } : {}),
  });
  if (counts.quarantined > 0)
    throw new ActionError(
      'SOURCE_ANSWER_UNMAPPED',
      `the source accepted the write but its answer (${row.source} ${row.key}) did not map; it is quarantined for the operator`,
      // The write happened: a retry must settle it, never send it again.
      { ambiguous: true },
    );
  return written;
}

/** The stored resource of `type` among what one record wrote. */
export function writtenOfType(
  results: readonly PutResult[],
  type: string,
  preferId?: string,
): StoredResource {
  // A record can map to several resources of one type (one Observation per Jane reading): an
  // update answers the one it changed.
  const found =
    results.find((r) => r.stored.type === type && r.stored.id === preferId) ??
    results.find((r) => r.stored.type === type);
  if (!found) throw new ActionError('SOURCE_ANSWER_UNMAPPED', `the source's answer mapped to no ${type}`);
  return found.stored;
}
