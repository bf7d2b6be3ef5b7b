/**
 * What the store indexes for a resource: flat rows, one per searchable value, that compile to SQL
 * columns and Mongo subdocuments alike. Absent parts are `null`, never `undefined`.
 */
export type StringEntry = {
  readonly param: string;
  readonly kind: 'string';
  /** normalizeSearchText(raw): compared by the default and :contains searches. */
  readonly value: string;
  /** As written; compared by :exact. */
  readonly raw: string;
};

export type TokenEntry = {
  readonly param: string;
  readonly kind: 'token';
  readonly system: string | null;
  readonly code: string | null;
  /** Normalized display/text, searched by :text. */
  readonly text: string | null;
};

/** Half-open [low, high) in epoch milliseconds; open ends are DATE_MIN / DATE_MAX. */
export type DateEntry = {
  readonly param: string;
  readonly kind: 'date';
  readonly low: number;
  readonly high: number;
};

export type ReferenceEntry = {
  readonly param: string;
  readonly kind: 'reference';
  /** The reference as written (`Patient/abc`, or an absolute or canonical URL). */
  readonly ref: string;
  /** Parsed from a `[base/]Type/id` reference; null for canonicals and other URLs. */
  readonly refType: string | null;
  readonly refId: string | null;
};

export type NumberEntry = { readonly param: string; readonly kind: 'number'; readonly value: number };

export type QuantityEntry = {
  readonly param: string;
  readonly kind: 'quantity';
  readonly value: number;
  readonly system: string | null;
  readonly code: string | null;
  readonly unit: string | null;
};

export type UriEntry = { readonly param: string; readonly kind: 'uri'; readonly value: string };

export type IndexEntry =
  | StringEntry
  | TokenEntry
  | DateEntry
  | ReferenceEntry
  | NumberEntry
  | QuantityEntry
  | UriEntry;
