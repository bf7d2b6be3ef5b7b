import type { Resource } from 'fhir/r4';
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
): Promise<PutResult[]> {
  const written: PutResult[] = [];
  const options = forwardOptionsFor(connection);
  const counts = await writePage(deps, {
    tenant: connection.tenant,
    connection: { id: connection.id, source: connection.source },
    entity: row.entity,
    records,
    triggers: createTriggerTagger(connector.triggers, row),
    ...(options ? { options } : {}),
    onWritten: (results) => written.push(...results),
  });
  if (counts.quarantined > 0)
    throw new ActionError(
      'SOURCE_ANSWER_UNMAPPED',
      `the source accepted the write but its answer (${row.source} ${row.key}) did not map; it is quarantined for the operator`,
    );
  return written;
}

/** The stored resource of `type` among what one record wrote. */
export function writtenOfType(results: readonly PutResult[], type: string): StoredResource {
  const found = results.find((r) => r.stored.type === type);
  if (!found) throw new ActionError('SOURCE_ANSWER_UNMAPPED', `the source's answer mapped to no ${type}`);
  return found.stored;
}

/** The forward mapping of one native record (not stored): for comparisons. */
export function mapRecord(
  deps: Pick<StoreAnswerDeps, 'mappings'>,
  connection: Connection,
  row: CatalogRow,
  record: unknown,
): Resource[] {
  const options = forwardOptionsFor(connection);
  const result = deps.mappings.forward(
    connection.source,
    row.entity,
    record,
    { tenant: connection.tenant, connectionId: connection.id, source: connection.source },
    options,
  );
  return result.ok ? result.resources : [];
}
