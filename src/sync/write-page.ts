import type { Resource } from 'fhir/r4';
import type { DeletionMark } from '../connectors/connector.ts';
import type { SourceSystem } from '../fhir/identity.ts';
import type { ForwardOptions, MappingSet } from '../mapping/mapping-set.ts';
import type { ChangeAction, PutOptions, PutResult, Store } from '../store/port.ts';

export type PageWriteDependencies = {
  readonly store: Pick<Store, 'resources' | 'quarantine'>;
  readonly mappings: MappingSet;
};

/** Names the seed triggers a change satisfies (see trigger-tagger.ts); the store calls it per change. */
export type TriggerTagger = ((
  type: string,
  action: ChangeAction,
  resource: Resource,
) => readonly string[]) & {
  /** Resource types written first within a record, so they carry a trigger its other types also satisfy. */
  readonly leadTypes?: ReadonlySet<string>;
};

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
  /** How the source marks a deleted record it still lists: its resources become tombstones. */
  readonly deletedWhen?: DeletionMark;
  /** Sees each record's outcome with the `Type/id` keys of its resources (full-scan deletions). */
  readonly onRecord?: (outcome: RecordOutcome) => void;
  /** Sees what the batch wrote (mutations answer the resource they stored). */
  readonly onWritten?: (results: readonly PutResult[]) => void;
};

/**
 * What became of one record. `mapped`: these resources stand for it now; `skipped`: none do;
 * `deleted`: the source deleted it (writePage tombstoned its resources); `failed`: unknown (quarantined).
 */
export type RecordOutcome = {
  readonly nativeId: string | undefined;
  readonly outcome: 'mapped' | 'skipped' | 'deleted' | 'failed';
  readonly keys: readonly string[];
};

export type PageCounts = {
  created: number;
  updated: number;
  unchanged: number;
  /** Records the mapping's `when` left out on purpose. */
  skipped: number;
  quarantined: number;
  /** Tombstones written: resources of records the source deleted. */
  deleted: number;
  /** Warning issues raised (e.g. a code kept because no ConceptMap entry matched). */
  warnings: number;
};

export function emptyCounts(): PageCounts {
  return { created: 0, updated: 0, unchanged: 0, skipped: 0, quarantined: 0, deleted: 0, warnings: 0 };
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
  /** `Type/id` → index of the record it was mapped from: a trigger fires once per record change. */
  const recordOf = new Map<string, number>();
  const failures: Array<{ record: unknown; reason: string }> = [];
  const lead = page.triggers?.leadTypes;

  /** Tombstones to write: the resources of records the source marked deleted. */
  const deletions: Array<{ type: string; id: string; record: number }> = [];

  for (const [index, record] of page.records.entries()) {
    const nativeId = nativeIdOf(record);
    if (page.deletedWhen && isMarkedDeleted(record, page.deletedWhen)) {
      const found = resourcesOfDeleted(deps, page, record, page.deletedWhen);
      if (found.ok) {
        for (const key of found.keys) {
          const [type = '', id = ''] = key.split('/');
          deletions.push({ type, id, record: index });
          recordOf.set(key, index);
        }
        page.onRecord?.({ nativeId, outcome: 'deleted', keys: [] });
      } else {
        failures.push({ record, reason: `deleted at the source, but ${found.reason}` });
        page.onRecord?.({ nativeId, outcome: 'failed', keys: [] });
      }
      continue;
    }
    const result = deps.mappings.forward(connection.source, entity, record, scope, page.options);
    if (result.ok) {
      const mapped = lead
        ? [...result.resources].sort((a, b) => leadRank(lead, a) - leadRank(lead, b))
        : result.resources;
      for (const resource of mapped) recordOf.set(`${resource.resourceType}/${resource.id}`, index);
      resources.push(...mapped);
      counts.warnings += result.warnings.length;
      page.onRecord?.({ nativeId, outcome: 'mapped', keys: mapped.map(keyOf) });
    } else if ('skipped' in result) {
      counts.skipped++;
      page.onRecord?.({ nativeId, outcome: 'skipped', keys: [] });
    } else {
      const where = [result.path, result.mapping].filter((part) => part !== '').join(' in ');
      failures.push({ record, reason: where === '' ? result.reason : `${result.reason} (at ${where})` });
      page.onRecord?.({ nativeId, outcome: 'failed', keys: [] });
    }
  }

  const options: PutOptions = {
    connection: connection.id,
    ...(page.triggers ? { triggers: oncePerRecord(page.triggers, recordOf) } : {}),
    ...(page.backfill !== undefined ? { backfill: page.backfill } : {}),
  };
  if (resources.length > 0) {
    const written = await deps.store.resources.putMany(tenant, resources, options);
    for (const { outcome } of written) counts[outcome]++;
    page.onWritten?.(written);
  }
  counts.deleted += await tombstone(deps, tenant, deletions, options);
  if (failures.length > 0) counts.quarantined += await quarantine(deps, page, failures);
  return counts;
}

/**
 * Tombstones `keys` (`Type/id`) with the write's options (connection, triggers, backfill mark); a
 * resource already deleted, or never written, gets no second change. Answers how many were new.
 */
export async function tombstone(
  deps: Pick<PageWriteDependencies, 'store'>,
  tenant: string,
  keys: ReadonlyArray<{ type: string; id: string }>,
  options: PutOptions,
): Promise<number> {
  let deleted = 0;
  for (const { type, id } of keys) {
    const result = await deps.store.resources.delete(tenant, type, id, options);
    if (result.deleted && result.seq !== undefined) deleted++;
  }
  return deleted;
}

function keyOf(resource: Resource): string {
  return `${resource.resourceType}/${resource.id}`;
}

function isMarkedDeleted(record: unknown, mark: DeletionMark): boolean {
  return (
    typeof record === 'object' &&
    record !== null &&
    (record as Record<string, unknown>)[mark.field] === mark.equals
  );
}

/**
 * The resources a deleted record stands for: what it maps to as it is, and — for a boolean mark —
 * as it was before the deletion (a mapping's `when` may leave deleted records out, e.g. the vitals
 * of a deleted appointment). Mapping is pure, so this writes nothing.
 */
function resourcesOfDeleted(
  deps: PageWriteDependencies,
  page: PageToWrite,
  record: unknown,
  mark: DeletionMark,
): { ok: true; keys: string[] } | { ok: false; reason: string } {
  const { connection, entity, tenant } = page;
  const scope = { tenant, connectionId: connection.id, source: connection.source };
  const versions =
    typeof mark.equals === 'boolean'
      ? [{ ...(record as object), [mark.field]: !mark.equals }, record]
      : [record];
  const keys = new Set<string>();
  let reason: string | undefined;
  let known = false;
  for (const version of versions) {
    const result = deps.mappings.forward(connection.source, entity, version, scope, page.options);
    if (result.ok) {
      known = true;
      for (const resource of result.resources) keys.add(keyOf(resource));
    } else if ('skipped' in result) known = true;
    else reason ??= result.reason;
  }
  return known
    ? { ok: true, keys: [...keys] }
    : { ok: false, reason: `its resources are unknown: ${reason}` };
}

function leadRank(lead: ReadonlySet<string>, resource: Resource): number {
  return lead.has(resource.resourceType) ? 0 : 1;
}

/**
 * A trigger fires once per native record: the first changed resource of a record that satisfies
 * it carries it (the store appends a batch's changes in input order, lead types first), its
 * siblings do not.
 */
function oncePerRecord(
  tagger: TriggerTagger,
  recordOf: ReadonlyMap<string, number>,
): (type: string, action: ChangeAction, resource: Resource) => readonly string[] {
  const fired = new Set<string>();
  return (type, action, resource) => {
    const record = recordOf.get(`${type}/${resource.id}`);
    const ids = tagger(type, action, resource);
    if (record === undefined) return ids;
    return ids.filter((id) => {
      const key = `${record}\n${id}`;
      if (fired.has(key)) return false;
      fired.add(key);
      return true;
    });
  };
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
    const what = `${connection.source}:${entity}/${nativeIdOf(record) ?? '(no id)'}`;
    const key = `${what}\n${reason}\n${JSON.stringify(record)}`;
    if (known.has(key)) continue;
    known.add(key);
    await deps.store.quarantine.add({ tenant, connection: connection.id, what, reason, raw: record });
    added++;
  }
  return added;
}

/** Every source names its records' id `id`; undefined when a record has no usable one. */
function nativeIdOf(record: unknown): string | undefined {
  const id = typeof record === 'object' && record !== null ? (record as { id?: unknown }).id : undefined;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}
