import type { Resource } from 'fhir/r4';
import type { SourceSystem } from '../fhir/identity.ts';
import type { Store } from '../store/port.ts';
import type { ForwardOptions, MappingSet } from './mapping-set.ts';

export type MapRecordsDependencies = {
  readonly store: Pick<Store, 'resources' | 'quarantine'>;
  readonly mappings: MappingSet;
};

/** One page of native records of one entity, read through one connection. */
export type RecordPage = {
  readonly tenant: string;
  readonly connection: { readonly id: string; readonly source: SourceSystem };
  readonly entity: string;
  readonly records: readonly unknown[];
  readonly options?: ForwardOptions;
};

export type MapRecordsCounts = {
  created: number;
  updated: number;
  unchanged: number;
  /** Records the mapping's `when` left out on purpose. */
  skipped: number;
  quarantined: number;
  /** Warning issues raised (e.g. a code kept because no ConceptMap entry matched). */
  warnings: number;
};

/**
 * What the sync layer calls per page: maps every record, writes all resources of the records that
 * mapped in one batch, and quarantines each record that did not, with the reason. A bad record
 * never stops the page, and a record that maps to several resources is written whole or not at all.
 */
export async function mapRecords(deps: MapRecordsDependencies, page: RecordPage): Promise<MapRecordsCounts> {
  const { tenant, connection, entity } = page;
  const scope = { tenant, connectionId: connection.id, source: connection.source };
  const counts: MapRecordsCounts = {
    created: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    quarantined: 0,
    warnings: 0,
  };
  const resources: Resource[] = [];
  const failures: Array<{ record: unknown; reason: string }> = [];

  for (const record of page.records) {
    const result = deps.mappings.forward(connection.source, entity, record, scope, page.options);
    if (result.ok) {
      resources.push(...result.resources);
      counts.warnings += result.warnings.length;
    } else if ('skipped' in result) counts.skipped++;
    else {
      const where = [result.path, result.mapping].filter((part) => part !== '').join(' in ');
      failures.push({ record, reason: where === '' ? result.reason : `${result.reason} (at ${where})` });
    }
  }

  if (resources.length > 0) {
    const written = await deps.store.resources.putMany(tenant, resources, { connection: connection.id });
    for (const { outcome } of written) counts[outcome]++;
  }
  for (const { record, reason } of failures) {
    await deps.store.quarantine.add({
      tenant,
      connection: connection.id,
      what: `${connection.source}:${entity}/${nativeIdOf(record)}`,
      reason,
      raw: record,
    });
    counts.quarantined++;
  }
  return counts;
}

/** Every source names its records' id `id`; a record without a usable one is still quarantined. */
function nativeIdOf(record: unknown): string {
  const id = typeof record === 'object' && record !== null ? (record as { id?: unknown }).id : undefined;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : '(no id)';
}
