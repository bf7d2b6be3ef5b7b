import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { SearchQuery } from '../../fhir/search-query.ts';
import { decodeSearchCursor, encodeSearchCursor } from '../cursor.ts';
import { InvalidSearchError, SearchUnavailableError } from '../errors.ts';
import type { SearchPage } from '../port.ts';
import type { SortValue } from '../search-sort.ts';
import {
  canDrive,
  compileCount,
  compileEstimate,
  compilePage,
  type ParamIdOf,
  type PlannedClause,
  planClauses,
} from './compile-search.ts';
import { type ResourceRow, toStored } from './resource-row.ts';
import { createSearchParamIds, type SearchParamIds } from './search-param-ids.ts';

/** Distinct query shapes kept prepared; a gateway issues a bounded set of shapes. */
const STATEMENT_CACHE_SIZE = 256;
/** Index rows counted per candidate driver; past this a clause is "big" and the smallest big one drives. */
const ESTIMATE_CAP = 2000;

/** FHIR search on SQLite: the query compiles to one SELECT (plus a count(*) for `_total=accurate`). */
export function createSqliteSearch(
  db: DatabaseSync,
  indexed: boolean,
  params: SearchParamIds = createSearchParamIds(db),
  /** Brings the index up to date (deferred rows, search-index.ts) before a search reads it. */
  drainIndex: () => void = () => {},
) {
  const pidsFor = (tenant: string, type: string) => (param: string) => params.lookup(tenant, type, param);
  const statements = new Map<string, StatementSync>();
  const prepare = (text: string): StatementSync => {
    let statement = statements.get(text);
    if (statement) {
      statements.delete(text); // re-insert: most recently used last
    } else {
      statement = db.prepare(text);
      if (statements.size >= STATEMENT_CACHE_SIZE)
        statements.delete(statements.keys().next().value as string);
    }
    statements.set(text, statement);
    return statement;
  };

  /**
   * The clause to drive the query from: the one selecting the fewest index rows, found by counting
   * each candidate's rows up to a cap (SQLite's planner has no statistics on our value ranges).
   */
  const chooseDriver = (
    tenant: string,
    type: string,
    clauses: readonly PlannedClause[],
    pidOf: ParamIdOf,
  ): number | undefined => {
    let best: { index: number; rows: number } | undefined;
    clauses.forEach((clause, index) => {
      if (!canDrive(clause)) return;
      const estimate = compileEstimate(tenant, type, clause, ESTIMATE_CAP, pidOf);
      const rows = Number((prepare(estimate.text).get(...estimate.params) as { n: number }).n);
      if (best === undefined || rows < best.rows) best = { index, rows };
    });
    return best?.index;
  };

  /** The statement a page of `query` runs (what `search` executes; EXPLAIN QUERY PLAN tests read it). */
  const pageStatement = (tenant: string, type: string, query: SearchQuery) => {
    const after = query.cursor === null ? undefined : decodeSearchCursor(query.cursor, query.sort);
    const planned = { clauses: planClauses(query.clauses), sort: query.sort };
    const pidOf = pidsFor(tenant, type);
    return compilePage(
      tenant,
      type,
      planned,
      chooseDriver(tenant, type, planned.clauses, pidOf),
      after,
      query.count + 1,
      pidOf,
    );
  };

  const search = async (tenant: string, type: string, query: SearchQuery): Promise<SearchPage> => {
    if (!indexed) throw new SearchUnavailableError();
    if (query.resourceType !== type)
      throw new InvalidSearchError(`a ${query.resourceType} search cannot run against ${type}`);
    drainIndex();
    const after = query.cursor === null ? undefined : decodeSearchCursor(query.cursor, query.sort);
    const planned = { clauses: planClauses(query.clauses), sort: query.sort };
    const pidOf = pidsFor(tenant, type);
    const driver = chooseDriver(tenant, type, planned.clauses, pidOf);
    const page: SearchPage = { items: [], next: undefined };
    if (query.count > 0) {
      const compiled = compilePage(tenant, type, planned, driver, after, query.count + 1, pidOf);
      const rows = prepare(compiled.text).all(...compiled.params) as Array<
        ResourceRow & Record<string, SortValue>
      >;
      const shown = rows.slice(0, query.count);
      page.items = shown.map(toStored);
      const last = shown.at(-1);
      if (rows.length > query.count && last) {
        const values = query.sort.map((_, k) => last[`k${k}`] ?? null);
        page.next = encodeSearchCursor(query.sort, { values, id: last.id });
      }
    }
    if (query.total === 'accurate' && after === undefined && page.next === undefined && query.count > 0) {
      page.total = page.items.length; // everything fit on the first page: no need to count again
    } else if (query.total === 'accurate') {
      const counted = compileCount(tenant, type, planned.clauses, driver, pidOf);
      page.total = Number((prepare(counted.text).get(...counted.params) as { n: number }).n);
    }
    return page;
  };
  return { search, pageStatement };
}
