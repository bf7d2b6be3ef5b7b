import type { Resource } from 'fhir/r4';
import type { IndexEntry } from '../fhir/index-entry.ts';
import type { SecretBox } from './secret-box.ts';

/** What both adapters need besides their connection details. */
export type StoreOptions = {
  /** Largest resource accepted, in bytes of JSON. */
  maxResourceBytes: number;
  secretBox: SecretBox;
  /** Milliseconds since the epoch; injectable for lease/retention tests. */
  now?: () => number;
  /**
   * The search index entries of a resource, stored atomically with it (the app passes
   * `searchIndexer(defs)`). Without it nothing is indexed and `search` refuses to run.
   * Must return [] for types it does not index; anything it throws fails the write.
   */
  indexer?: (resource: Resource) => IndexEntry[];
};

export const DEFAULT_MAX_RESOURCE_BYTES = 1024 * 1024;
