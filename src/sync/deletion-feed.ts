import type { CatalogRow } from '../connectors/connector.ts';
import { gatewayId } from '../fhir/identity.ts';
import type { MappingSet } from '../mapping/mapping-set.ts';
import type { Connection, PutOptions } from '../store/port.ts';
import { type PageWriteDependencies, tombstone } from './write-page.ts';

/**
 * A page of a deletion feed (a row with `deletionFeedOf`: DrChrono's `line_item_deletions`): each
 * notice names a deleted record of the target row, whose resources become tombstones. The ids are
 * the ones its mappings give a record (`id` = the native id, no qualifier): resources a mapping
 * tells apart by qualifier are not found this way. Answers how many tombstones were new.
 */
export async function applyDeletionNotices(
  deps: PageWriteDependencies & { readonly mappings: MappingSet },
  connection: Connection,
  target: CatalogRow,
  idField: string,
  notices: readonly unknown[],
  options: PutOptions,
): Promise<number> {
  const types = [
    ...new Set(deps.mappings.mappingsFor(connection.source, target.entity).map((m) => m.target)),
  ];
  const keys = notices.flatMap((notice) => {
    const id =
      typeof notice === 'object' && notice !== null
        ? (notice as Record<string, unknown>)[idField]
        : undefined;
    if (typeof id !== 'string' && typeof id !== 'number') return [];
    const nativeId = String(id);
    return types.map((type) => ({
      type,
      id: gatewayId({
        tenant: connection.tenant,
        connectionId: connection.id,
        source: connection.source,
        sourceType: target.entity,
        nativeId,
      }),
    }));
  });
  return tombstone(deps, connection.tenant, keys, options);
}
