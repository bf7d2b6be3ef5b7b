import type { IndexEntry } from '../../fhir/index-entry.ts';
import { ascendingValue, compareSortValues, descendingValue, type SortValue } from '../search-sort.ts';
import { searchKey } from './search-keys.ts';

/**
 * Sort values per parameter (see search-sort.ts): `<param>` ascending, `-<param>` descending.
 * Flat scalars, because FerretDB decodes nested documents slowly.
 */
export type SortFields = Record<string, SortValue>;

/** What a current-resource document carries for search, written in the same single-document write. */
export type SearchFields = {
  /** Composite keys (search-keys.ts), multikey-indexed. */
  ik: string[];
  /** The range entries (date, number, quantity), re-checked exactly after the key range narrowed them. */
  rx: IndexEntry[];
  sk: SortFields;
};

export const NO_SEARCH_FIELDS: SearchFields = { ik: [], rx: [], sk: {} };

export function searchFields(entries: readonly IndexEntry[]): SearchFields {
  const keys = new Set<string>();
  const rx: IndexEntry[] = [];
  const sk: SortFields = {};
  for (const entry of entries) {
    const { param } = entry;
    for (const key of keysOf(entry)) keys.add(key);
    if (entry.kind === 'date' || entry.kind === 'number' || entry.kind === 'quantity') rx.push(entry);
    const asc = ascendingValue(entry);
    const desc = descendingValue(entry);
    const lowest = sk[param] ?? null;
    const highest = sk[`-${param}`] ?? null;
    if (asc !== null && (lowest === null || compareSortValues(asc, lowest) < 0)) sk[param] = asc;
    if (desc !== null && (highest === null || compareSortValues(desc, highest) > 0)) sk[`-${param}`] = desc;
  }
  return { ik: [...keys], rx, sk };
}

function keysOf(entry: IndexEntry): string[] {
  const { param } = entry;
  switch (entry.kind) {
    case 'string':
      return [searchKey.string(param, entry.value), searchKey.stringExact(param, entry.raw)];
    case 'token': {
      const keys: string[] = [];
      if (entry.code !== null) {
        keys.push(searchKey.tokenCode(param, entry.code));
        keys.push(
          entry.system === null
            ? searchKey.tokenCodeWithoutSystem(param, entry.code)
            : searchKey.tokenSystemCode(param, entry.system, entry.code),
        );
      }
      if (entry.system !== null) keys.push(searchKey.tokenSystem(param, entry.system));
      if (entry.text !== null) keys.push(searchKey.tokenText(param, entry.text));
      return keys;
    }
    case 'date':
      return [searchKey.dateLow(param, entry.low), searchKey.dateHigh(param, entry.high)];
    case 'number':
    case 'quantity':
      return [searchKey.number(param, entry.value)];
    case 'reference': {
      const keys = [searchKey.reference(param, entry.ref)];
      if (entry.refId !== null) keys.push(searchKey.referenceId(param, entry.refId));
      if (entry.refId !== null && entry.refType !== null)
        keys.push(searchKey.referenceTyped(param, entry.refType, entry.refId));
      return keys;
    }
    case 'uri':
      return [searchKey.uri(param, entry.value)];
  }
}
