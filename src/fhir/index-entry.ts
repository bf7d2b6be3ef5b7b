import type { Resource } from 'fhir/r4';

/**
 * What the store indexes for a resource: flat rows, one per searchable value, that compile to SQL
 * columns and Mongo subdocuments alike. Absent parts are `null`, never `undefined`.
 * `derived: true` marks entries of a parameter answered from other entries or from the resource's
 * columns (ParamSource in search-query.ts): complete for in-memory matching, optional to store.
 */
export type StringEntry = {
  readonly param: string;
  readonly kind: 'string';
  readonly derived?: true;
  /** normalizeSearchText(raw): compared by the default and :contains searches. */
  readonly value: string;
  /** As written; compared by :exact. */
  readonly raw: string;
};

export type TokenEntry = {
  readonly param: string;
  readonly kind: 'token';
  readonly derived?: true;
  readonly system: string | null;
  readonly code: string | null;
  /** Normalized display/text, searched by :text. */
  readonly text: string | null;
};

/** Half-open [low, high) in epoch milliseconds; open ends are DATE_MIN / DATE_MAX. */
export type DateEntry = {
  readonly param: string;
  readonly kind: 'date';
  readonly derived?: true;
  readonly low: number;
  readonly high: number;
};

export type ReferenceEntry = {
  readonly param: string;
  readonly kind: 'reference';
  readonly derived?: true;
  /** The reference as written (`Patient/abc`, or an absolute or canonical URL). */
  readonly ref: string;
  /** Parsed from a `[base/]Type/id` reference; null for canonicals and other URLs. */
  readonly refType: string | null;
  readonly refId: string | null;
};

export type NumberEntry = {
  readonly param: string;
  readonly kind: 'number';
  readonly derived?: true;
  readonly value: number;
};

export type QuantityEntry = {
  readonly param: string;
  readonly kind: 'quantity';
  readonly derived?: true;
  readonly value: number;
  readonly system: string | null;
  readonly code: string | null;
  readonly unit: string | null;
};

export type UriEntry = {
  readonly param: string;
  readonly kind: 'uri';
  readonly derived?: true;
  readonly value: string;
};

/**
 * A resource's index entries (StoreOptions.indexer). `derived: false` may leave out the `derived`
 * entries, for a store that answers those parameters from others.
 */
export type Indexer = (resource: Resource, options?: { derived?: boolean }) => IndexEntry[];

export type IndexEntry =
  | StringEntry
  | TokenEntry
  | DateEntry
  | ReferenceEntry
  | NumberEntry
  | QuantityEntry
  | UriEntry;
