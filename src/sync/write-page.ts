import type { Resource } from 'fhir/r4';
import type { SourceSystem } from '../fhir/identity.ts';
import type { ForwardOptions, MappingSet } from '../mapping/mapping-set.ts';
import type { ChangeAction, PutOptions, PutResult, Store } from '../store/port.ts';

export type PageWriteDependencies = {
  readonly store: Pick<Store, 'resources' | 'quarantine'>;
  readonly mappings: MappingSet;
};

/** Names the seed triggers a change satisfies (see trigger-tagger.ts); the store calls it per change. */
export type TriggerTagger = (type: string, action: ChangeAction, resource: Resource) => readonly string[];

/** One page of native records of one entity, read through one connection. */
export type PageToWrite = {
  readonly tenant: string;
  readonly connection: { readonly id: string; readonly source: SourceSystem };
  readonly entity: string;
  readonly records: readonly unknown[];
  readonly options?: ForwardOptions;
  /** The page belongs to a first run (backfill): its changes are marked so subscribers can tell. */
  readonly backfill?: boolean;
  readonly triggers?: TriggerTagger;
  /** Sees what the batch wrote (mutations answer the resource they stored). */
  readonly onWritten?: (results: readonly PutResult[]) => void;
};

export type PageCounts = {
  created: number;
  updated: number;
  unchanged: number;
  /** Records the mapping's `when` left out on purpose. */
  skipped: number;
  quarantined: number;
  /** Warning issues raised (e.g. a code kept because no ConceptMap entry matched). */
  warnings: number;
};

export function emptyCounts(): PageCounts {
  return { created: 0, updated: 0, unchanged: 0, skipped: 0, quarantined: 0, warnings: 0 };
}

/**
 * What the sync calls per page: maps every record (mapping is pure), writes all resources of the
 * records that mapped in one batch, tagged with connection, triggers and backfill mark, and
 * quarantines each record that did not, with the reason. A bad record never stops the page, and a
 * record that maps to several resources is written whole or not at all.
 */
export async function writePage(deps: PageWriteDependencies, page: PageToWrite): Promise<PageCounts> {
  const { tenant, connection, entity } = page;
  const scope = { tenant, connectionId: connection.id, source: connection.source };
  const counts = emptyCounts();
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
    const options: PutOptions = {
      connection: connection.id,
      ...(page.triggers ? { triggers: page.triggers } : {}),
      ...(page.backfill !== undefined ? { backfill: page.backfill } : {}),
    };
    const written = await deps.store.resources.putMany(tenant, resources, options);
    for (const { outcome } of written) counts[outcome]++;
    page.onWritten?.(written);
  }
  if (failures.length > 0) counts.quarantined += await quarantine(deps, page, failures);
  return counts;
}

/**
 * Quarantines failed records once: a re-poll (overlap windows, a crash before the watermark
 * moved) meets the same bad record again and must not pile up copies of it.
 */
async function quarantine(
  deps: PageWriteDependencies,
  page: PageToWrite,
  failures: ReadonlyArray<{ record: unknown; reason: string }>,
): Promise<number> {
  const { tenant, connection, entity } = page;
  const existing = await deps.store.quarantine.list(tenant, { connection: connection.id, limit: 10_000 });
  const known = new Set(
    existing.map((entry) => `${entry.what}\n${entry.reason}\n${JSON.stringify(entry.raw)}`),
  );
  let added = 0;
  for (const { record, reason } of failures) {
    const what = `${connection.source}:${entity}/${nativeIdOf(record)}`;
    const key = `${what}\n${reason}\n${JSON.stringify(record)}`;
    if (known.has(key)) continue;
    known.add(key);
    await deps.store.quarantine.add({ tenant, connection: connection.id, what, reason, raw: record });
    added++;
  }
  return added;
}

/** Every source names its records' id `id`; a record without a usable one is still quarantined. */
function nativeIdOf(record: unknown): string {
  const id = typeof record === 'object' && record !== null ? (record as { id?: unknown }).id : undefined;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : '(no id)';
}
