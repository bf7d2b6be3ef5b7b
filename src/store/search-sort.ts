import type { IndexEntry } from '../fhir/index-entry.ts';
import type { SortKey } from '../fhir/search-query.ts';

/** The value a resource sorts by for one `_sort` key; null when it has no entry for the parameter. */
export type SortValue = string | number | null;

/**
 * What each entry kind sorts by. A resource with several entries for the sort parameter sorts by
 * the lowest in ascending order and the highest in descending order (as FHIR suggests); a date
 * entry is the range [low, high), so ascending uses its start and descending its end. The SQLite
 * adapter computes the same with MIN/MAX, the Mongo adapter stores it at write time.
 */
export function ascendingValue(entry: IndexEntry): SortValue {
  switch (entry.kind) {
    case 'string':
      return entry.value;
    case 'token':
      return entry.code;
    case 'date':
      return entry.low;
    case 'reference':
      return entry.ref;
    case 'number':
    case 'quantity':
    case 'uri':
      return entry.value;
  }
}

export function descendingValue(entry: IndexEntry): SortValue {
  return entry.kind === 'date' ? entry.high : ascendingValue(entry);
}

/** The sort value of `entries` (all of one resource) for one key. */
export function sortValueOf(
  entries: readonly IndexEntry[],
  key: Pick<SortKey, 'param' | 'descending'>,
): SortValue {
  let best: SortValue = null;
  for (const entry of entries) {
    if (entry.param !== key.param) continue;
    const value = key.descending ? descendingValue(entry) : ascendingValue(entry);
    if (value === null) continue;
    if (
      best === null ||
      (key.descending ? compareSortValues(value, best) > 0 : compareSortValues(value, best) < 0)
    )
      best = value;
  }
  return best;
}

/**
 * Orders sort values as both databases do: null lowest (first ascending, last descending), numbers
 * numerically, strings by code point (= UTF-8 byte order, SQLite BINARY and Mongo's simple collation).
 */
export function compareSortValues(a: SortValue, b: SortValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : 1;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return compareCodePoints(a, b);
}

export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** `_sort` as written (e.g. `birthdate,-family`); a cursor is only valid for the sort it was made for. */
export function sortSignature(sort: readonly SortKey[]): string {
  return sort.map((key) => `${key.descending ? '-' : ''}${key.param}`).join(',');
}
