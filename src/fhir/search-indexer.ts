import type { FhirDefinitions } from './definitions.ts';
import { extractIndexEntries } from './extract-index-entries.ts';
import type { Indexer } from './index-entry.ts';

/**
 * The indexer the stores take (StoreOptions.indexer): a type without search parameters gets no
 * entries rather than an error, so storing it still works (it is just not searchable).
 */
export function searchIndexer(defs: FhirDefinitions): Indexer {
  return (resource, options) =>
    defs.searchParameters.has(resource.resourceType)
      ? extractIndexEntries(defs, resource, { derived: options?.derived ?? true })
      : [];
}
