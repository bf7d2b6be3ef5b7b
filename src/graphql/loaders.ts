import DataLoader from 'dataloader';
import type { Reference, Resource } from 'fhir/r4';
import type { FhirDefinitions } from '../fhir/definitions.ts';
import { SEARCH_LIMITS } from '../fhir/parse-search.ts';
import { referenceTarget } from '../fhir/references.ts';
import type { ResourceKey, Store, StoredResource } from '../store/port.ts';
import { fhirGraphQLError } from './errors.ts';
import { runSearch, type SearchArgs, toSearchQuery } from './search-request.ts';

/** Pages one batched reverse search may read before it is "too many matches". */
export const MAX_REVERSE_PAGES = 20;

/** The resources of `childType` whose `param` points at `parent` (`Patient/123`), with the other arguments. */
export type ReverseKey = {
  readonly childType: string;
  readonly param: string;
  readonly parent: string;
  readonly args: SearchArgs;
  readonly sort: string | undefined;
};

export type Loaders = {
  /** `Type/id` → the current resource, or an Error (not found, deleted). One store call per batch. */
  readonly resource: DataLoader<string, StoredResource>;
  /** One store search per (child type, parameter, other arguments) per batch, for all parents at once. */
  readonly reverse: DataLoader<ReverseKey, Resource[], string>;
};

export function createLoaders(store: Store, tenant: string, definitions: FhirDefinitions): Loaders {
  return {
    resource: new DataLoader<string, StoredResource>(async (keys) => {
      const parsed: ResourceKey[] = keys.map((key) => {
        const slash = key.indexOf('/');
        return { type: key.slice(0, slash), id: key.slice(slash + 1) };
      });
      return store.resources.readMany(tenant, parsed);
    }),
    reverse: new DataLoader<ReverseKey, Resource[], string>(
      (keys) => loadReverse(store, tenant, definitions, keys),
      { cacheKeyFn: (key) => JSON.stringify([key.childType, key.param, key.parent, key.args, key.sort]) },
    ),
  };
}

async function loadReverse(
  store: Store,
  tenant: string,
  definitions: FhirDefinitions,
  keys: readonly ReverseKey[],
): Promise<Array<Resource[] | Error>> {
  const groups = new Map<string, ReverseKey[]>();
  for (const key of keys) {
    const group = JSON.stringify([key.childType, key.param, key.args, key.sort]);
    groups.set(group, [...(groups.get(group) ?? []), key]);
  }
  const byParent = new Map<string, Resource[] | Error>();
  await Promise.all(
    [...groups.values()].map(async (group) => {
      const first = group[0] as ReverseKey;
      const groupKey = (parent: string) =>
        JSON.stringify([first.childType, first.param, parent, first.args, first.sort]);
      try {
        const found = await searchForParents(
          store,
          tenant,
          definitions,
          first,
          group.map((key) => key.parent),
        );
        for (const key of group) byParent.set(groupKey(key.parent), found.get(key.parent) ?? []);
      } catch (error) {
        for (const key of group) byParent.set(groupKey(key.parent), error as Error);
      }
    }),
  );
  return keys.map(
    (key) => byParent.get(JSON.stringify([key.childType, key.param, key.parent, key.args, key.sort])) ?? [],
  );
}

/** One search `param=Parent/a,Parent/b,…`, paged to the end, grouped back by the parent each match points at. */
async function searchForParents(
  store: Store,
  tenant: string,
  definitions: FhirDefinitions,
  template: ReverseKey,
  parents: readonly string[],
): Promise<Map<string, Resource[]>> {
  const parameter = definitions.searchParameters.get(template.childType)?.byCode.get(template.param);
  if (!parameter) throw fhirGraphQLError(`Unknown reverse reference ${template.param}`, 'invalid');
  const wanted = new Set(parents);
  const found = new Map<string, Resource[]>();
  const args = { ...template.args, [template.param]: [...wanted] };
  let cursor: string | undefined;
  for (let page = 0; page < MAX_REVERSE_PAGES; page++) {
    const query = toSearchQuery(definitions, template.childType, args, {
      count: SEARCH_LIMITS.maxCount,
      ...(template.sort === undefined ? {} : { sort: template.sort }),
      ...(cursor === undefined ? {} : { cursor }),
    });
    const result = await runSearch(store, tenant, template.childType, query);
    for (const item of result.items) {
      for (const parent of referencedParents(parameter.evaluate(item.resource), wanted)) {
        const list = found.get(parent);
        if (list) list.push(item.resource);
        else found.set(parent, [item.resource]);
      }
    }
    if (result.next === undefined) return found;
    cursor = result.next;
  }
  throw fhirGraphQLError(
    `Too many matches for ${template.childType}.${template.param}: more than ${MAX_REVERSE_PAGES * SEARCH_LIMITS.maxCount}`,
    'too-costly',
  );
}

function referencedParents(values: readonly { value: unknown }[], wanted: ReadonlySet<string>): Set<string> {
  const parents = new Set<string>();
  for (const { value } of values) {
    const reference = (value as Reference | undefined)?.reference;
    if (typeof reference !== 'string') continue;
    const target = referenceTarget(reference);
    const key = target ? `${target.resourceType}/${target.id}` : reference;
    if (wanted.has(key)) parents.add(key);
  }
  return parents;
}
