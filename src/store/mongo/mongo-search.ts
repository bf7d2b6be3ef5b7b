import type { Filter } from 'mongodb';
import type { IndexEntry } from '../../fhir/index-entry.ts';
import { matchesSearch } from '../../fhir/match-search.ts';
import type { SearchClause, SearchQuery } from '../../fhir/search-query.ts';
import { decodeSearchCursor, encodeSearchCursor } from '../cursor.ts';
import type { CursorSealer } from '../cursor-sealer.ts';
import { InvalidSearchError, SearchUnavailableError } from '../errors.ts';
import type { SearchPage, StoredResource } from '../port.ts';
import type { Collections, ResourceDoc } from './collections.ts';
import { compileClause, keysetFilter, sortField, sortSpec } from './compile-search.ts';

/**
 * FHIR search on MongoDB: one find over the current-resource documents with the clauses compiled
 * to `ik` key conditions, sorted on the stored sort values. Clauses whose filter is only a superset
 * (ranges) are re-checked on the document's range entries while reading, so paging reads on until
 * the page is full instead of trusting LIMIT.
 */
export function createMongoSearch(
  c: Collections,
  indexed: boolean,
  toStored: (doc: ResourceDoc) => StoredResource,
  cursors: CursorSealer,
) {
  return async function search(tenant: string, type: string, query: SearchQuery): Promise<SearchPage> {
    if (!indexed) throw new SearchUnavailableError();
    if (query.resourceType !== type)
      throw new InvalidSearchError(`a ${query.resourceType} search cannot run against ${type}`);
    const after =
      query.cursor === null
        ? undefined
        : decodeSearchCursor(cursors, { tenant, type }, query.cursor, query.sort);
    const compiled = query.clauses.map((clause) => ({ clause, ...compileClause(clause) }));
    const recheck = compiled.filter((c) => !c.exact).map((c) => c.clause);
    const conditions = compiled.map((c) => c.filter).filter((f) => Object.keys(f).length > 0);
    const base: Filter<ResourceDoc> = { tenant, type, deleted: false };
    const filter = (extra: Filter<ResourceDoc>[]): Filter<ResourceDoc> => {
      const all = [...conditions, ...extra];
      return all.length === 0 ? base : { ...base, $and: all };
    };
    const page: SearchPage = { items: [], next: undefined };

    if (query.count > 0) {
      const cursor = c.resources
        .find(filter(after ? [keysetFilter(query.sort, after)] : []), { projection: { ik: 0 } })
        .sort(sortSpec(query.sort));
      if (recheck.length === 0) cursor.limit(query.count + 1);
      else cursor.batchSize(Math.min(1000, (query.count + 1) * 4));
      const hits: ResourceDoc[] = [];
      try {
        for await (const doc of cursor) {
          if (!passes(doc.rx, recheck)) continue;
          hits.push(doc);
          if (hits.length > query.count) break;
        }
      } finally {
        await cursor.close();
      }
      const shown = hits.slice(0, query.count);
      page.items = shown.map(toStored);
      const last = shown.at(-1);
      if (hits.length > query.count && last) {
        const values = query.sort.map((key) => readPath(last, sortField(key)));
        page.next = encodeSearchCursor(cursors, { tenant, type }, query.sort, { values, id: last.id });
      }
    }

    if (query.total === 'accurate' && after === undefined && page.next === undefined && query.count > 0) {
      page.total = page.items.length; // everything fit on the first page: no need to count again
    } else if (query.total === 'accurate') {
      if (recheck.length === 0) {
        page.total = await c.resources.countDocuments(filter([]));
      } else {
        let total = 0;
        for await (const doc of c.resources.find(filter([]), { projection: { rx: 1 } })) {
          if (passes(doc.rx, recheck)) total++;
        }
        page.total = total;
      }
    }
    return page;
  };
}

function passes(entries: readonly IndexEntry[] | undefined, clauses: readonly SearchClause[]): boolean {
  return clauses.every((clause) => matchesSearch(entries ?? [], clause));
}

function readPath(doc: ResourceDoc, path: string): string | number | null {
  let at: unknown = doc;
  for (const part of path.split('.')) at = (at as Record<string, unknown> | undefined)?.[part];
  return typeof at === 'string' || typeof at === 'number' ? at : null;
}
