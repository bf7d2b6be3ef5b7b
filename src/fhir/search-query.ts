import type { SearchParamKind } from './search-parameters.ts';

/**
 * A parsed FHIR search: the AST stores compile to SQL and Mongo, and matchesSearch evaluates in
 * memory. Every value carries precomputed bounds so compilers need no FHIR knowledge: dates are
 * half-open [low, high) epoch-ms ranges, numbers carry their precision range.
 */
export type SearchQuery = {
  readonly resourceType: string;
  /** All must hold (repeated parameters AND). */
  readonly clauses: readonly SearchClause[];
  readonly sort: readonly SortKey[];
  readonly count: number;
  readonly total: 'accurate' | 'none' | 'estimate';
  /** Opaque paging cursor, passed through to the store. */
  readonly cursor: string | null;
};

export type SearchClause = MatchClause | MissingClause;

/**
 * Where a parameter's entries are (parameter-sources.ts): its own (the default when absent), the
 * resource's id or lastUpdated column, or other parameters' entries (optionally only references
 * to `refType`). Index entries of a parameter not answered from its own are marked `derived`, and a
 * store may skip writing them.
 */
/** Resource columns: `connection` is meta.source's connection id (gateway-search-parameters.ts). */
export type ColumnName = 'id' | 'lastUpdated' | 'source' | 'connection';

export type ParamSource =
  | { readonly from: 'own' }
  | { readonly from: 'column'; readonly column: ColumnName }
  | { readonly from: 'params'; readonly params: readonly string[]; readonly refType: string | null };

/** Matches if any value matches an index entry of `param` (comma = OR); `negate` inverts it (`:not`). */
export type MatchClause = {
  readonly op: 'match';
  readonly param: string;
  readonly kind: SearchParamKind;
  readonly negate: boolean;
  readonly values: readonly SearchValue[];
  /**
   * Set on date clauses whose parameter has at most one entry per resource, at most a year wide
   * (`isSingleShortDate`, e.g. Patient `birthdate`): stores may then merge AND-ed clauses on it
   * into one bounded range on that entry (docs/search.md).
   */
  readonly singleShortDate?: true;
  readonly source?: ParamSource;
};

/** `:missing=true` matches resources without any entry for `param`; `false` those with one. */
export type MissingClause = {
  readonly op: 'missing';
  readonly param: string;
  readonly kind: SearchParamKind;
  readonly missing: boolean;
  readonly source?: ParamSource;
};

export type SortKey = {
  readonly param: string;
  readonly kind: SearchParamKind;
  readonly descending: boolean;
  readonly source?: ParamSource;
};

export const PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'] as const;
export type Prefix = (typeof PREFIXES)[number];

/** `prefix` compares normalized text; `contains` likewise; `exact` compares the raw value. */
export type StringValue = {
  readonly kind: 'string';
  readonly match: 'prefix' | 'contains' | 'exact';
  readonly value: string;
};

export type TokenValue =
  | { readonly kind: 'token'; readonly form: 'code'; readonly code: string }
  | { readonly kind: 'token'; readonly form: 'systemAndCode'; readonly system: string; readonly code: string }
  | { readonly kind: 'token'; readonly form: 'codeWithoutSystem'; readonly code: string }
  | { readonly kind: 'token'; readonly form: 'system'; readonly system: string };

/** `:text`: a normalized word prefix of the entry's text. */
export type TokenTextValue = { readonly kind: 'token-text'; readonly text: string };

/** [low, high) is the value's precision range (widened for `ap`). */
export type DateValue = {
  readonly kind: 'date';
  readonly prefix: Prefix;
  readonly low: number;
  readonly high: number;
};

export type NumberValue = {
  readonly kind: 'number';
  readonly prefix: Prefix;
  readonly value: number;
  readonly low: number;
  readonly high: number;
};

/** `system` / `code` null mean "any"; with no system, `code` also matches the entry's unit. */
export type QuantityValue = {
  readonly kind: 'quantity';
  readonly prefix: Prefix;
  readonly value: number;
  readonly low: number;
  readonly high: number;
  readonly system: string | null;
  readonly code: string | null;
};

export type ReferenceValue =
  | { readonly kind: 'reference'; readonly form: 'typed'; readonly type: string; readonly id: string }
  | { readonly kind: 'reference'; readonly form: 'id'; readonly id: string }
  | { readonly kind: 'reference'; readonly form: 'url'; readonly url: string };

export type UriValue = {
  readonly kind: 'uri';
  readonly match: 'exact' | 'below' | 'above';
  readonly value: string;
};

export type SearchValue =
  | StringValue
  | TokenValue
  | TokenTextValue
  | DateValue
  | NumberValue
  | QuantityValue
  | ReferenceValue
  | UriValue;
