import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { MatchClause, SearchQuery } from '../../fhir/search-query.ts';
import { decodeSearchCursor, encodeSearchCursor } from '../cursor.ts';
import { type CursorSealer, storeCursorSealer } from '../cursor-sealer.ts';
import { InvalidSearchError, SearchUnavailableError } from '../errors.ts';
import type { SearchPage } from '../port.ts';
import type { SortValue } from '../search-sort.ts';
import {
  canDrive,
  compileCount,
  compileEstimate,
  compilePage,
  type MergedDateClause,
  type ParamIdOf,
  type PlannedClause,
  planClauses,
} from './compile-search.ts';
import { createDateShapes, type DateShapes } from './date-shapes.ts';
import { type ResourceRow, toStored } from './resource-row.ts';
import { createSearchParamIds, type SearchParamIds } from './search-param-ids.ts';

/** Distinct query shapes kept prepared; a gateway issues a bounded set of shapes. */
const STATEMENT_CACHE_SIZE = 256;
/** Index rows first counted per candidate driver (chooseDriver); at most a hundred times that. */
const ESTIMATE_CAP = 2000;

export type SqliteSearchOptions = {
  params?: SearchParamIds;
  dateShapes?: DateShapes;
  /** Brings the index up to date (deferred rows, search-index.ts) before a search reads it. */
  drainIndex?: () => void;
  /** Seals page cursors (the store's; a random-key one when absent). */
  cursors?: CursorSealer;
  /** The first cap of driver estimates (tests lower it to see the escalation on small data). */
  estimateCap?: number;
};

/**
 * FHIR search on SQLite: the query compiles to one SELECT (plus a count(*) for `_total=accurate`),
 * run with its driver estimates in one read transaction, so every statement sees one snapshot.
 */
export function createSqliteSearch(db: DatabaseSync, indexed: boolean, options: SqliteSearchOptions = {}) {
  const params = options.params ?? createSearchParamIds(db);
  const dateShapes = options.dateShapes ?? createDateShapes(db);
  const drainIndex = options.drainIndex ?? (() => {});
  const estimateCap = options.estimateCap ?? ESTIMATE_CAP;
  const cursors = options.cursors ?? storeCursorSealer(undefined);
  const pidsFor = (tenant: string, type: string) => (param: string) => params.lookup(tenant, type, param);
  /** The clauses, with AND-ed date clauses merged where the stored entries allow (date-shapes.ts). */
  const plan = (query: SearchQuery, pidOf: ParamIdOf) => {
    const datePids = new Map<string, number>();
    for (const clause of query.clauses) {
      const pid = clause.kind === 'date' ? pidOf(clause.param) : undefined;
      if (pid !== undefined) datePids.set(clause.param, pid);
    }
    const shapes = dateShapes.read([...datePids.values()]);
    const shapeOf = (param: string) => {
      const pid = datePids.get(param);
      return pid === undefined ? undefined : shapes.get(pid);
    };
    return { clauses: planClauses(query.clauses, shapeOf), sort: query.sort };
  };
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
   * each candidate's rows (SQLite's planner has no statistics on our value ranges). The likely
   * selective shapes are counted first, and each count stops at the best so far: a broad date
   * range then costs as many rows as the subject clause found. When every count reaches the cap,
   * they are counted again with a cap ten times higher (twice at most), so two big clauses are
   * still told apart.
   */
  const chooseDriver = (
    tenant: string,
    type: string,
    clauses: readonly PlannedClause[],
    pidOf: ParamIdOf,
  ): number | undefined => {
    const candidates = clauses
      .map((clause, index) => ({ clause, index }))
      .filter((c): c is { clause: MatchClause | MergedDateClause; index: number } => canDrive(c.clause))
      .sort((a, b) => selectivityRank(a.clause) - selectivityRank(b.clause));
    if (candidates.length <= 1) return candidates[0]?.index;
    for (let cap = estimateCap; ; cap *= 10) {
      let best: { index: number; rows: number } | undefined;
      for (const { clause, index } of candidates) {
        if (best?.rows === 0) break;
        const estimate = compileEstimate(tenant, type, clause, best?.rows ?? cap, pidOf);
        const rows = Number((prepare(estimate.text).get(...estimate.params) as { n: number }).n);
        if (best === undefined || rows < best.rows) best = { index, rows };
      }
      if (best === undefined || best.rows < cap || cap >= estimateCap * 100) return best?.index;
    }
  };

  /** The planned query: its clauses, driver and cursor position, and the SELECT of one page. */
  const prepareQuery = (tenant: string, type: string, query: SearchQuery) => {
    const after =
      query.cursor === null
        ? undefined
        : decodeSearchCursor(cursors, { tenant, type }, query.cursor, query.sort);
    const pidOf = pidsFor(tenant, type);
    const planned = plan(query, pidOf);
    const driver = chooseDriver(tenant, type, planned.clauses, pidOf);
    const page = compilePage(tenant, type, planned, driver, after, query.count + 1, pidOf);
    return { after, pidOf, planned, driver, page };
  };

  /** The statement a page of `query` runs (what `search` executes; EXPLAIN QUERY PLAN tests read it). */
  const pageStatement = (tenant: string, type: string, query: SearchQuery) =>
    prepareQuery(tenant, type, query).page;

  const search = async (tenant: string, type: string, query: SearchQuery): Promise<SearchPage> => {
    if (!indexed) throw new SearchUnavailableError();
    if (query.resourceType !== type)
      throw new InvalidSearchError(`a ${query.resourceType} search cannot run against ${type}`);
    drainIndex();
    db.exec('BEGIN');
    try {
      return run(tenant, type, query);
    } finally {
      if (db.isTransaction) db.exec('COMMIT');
    }
  };

  const run = (tenant: string, type: string, query: SearchQuery): SearchPage => {
    const { after, pidOf, planned, driver, page: compiled } = prepareQuery(tenant, type, query);
    const page: SearchPage = { items: [], next: undefined };
    if (query.count > 0) {
      const rows = prepare(compiled.text).all(...compiled.params) as Array<
        ResourceRow & Record<string, SortValue>
      >;
      const shown = rows.slice(0, query.count);
      page.items = shown.map(toStored);
      const last = shown.at(-1);
      if (rows.length > query.count && last) {
        const values = query.sort.map((_, k) => last[`k${k}`] ?? null);
        page.next = encodeSearchCursor(cursors, { tenant, type }, query.sort, { values, id: last.id });
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

/** Equality on tokens, references and uris usually selects few rows; strings next; ranges last. */
function selectivityRank(clause: MatchClause | MergedDateClause): number {
  if (clause.op === 'dates') return 2;
  const kinds = new Set(clause.values.map((v) => v.kind));
  if ([...kinds].every((k) => k === 'token' || k === 'reference' || k === 'uri')) return 0;
  if (kinds.has('string')) return 1;
  return 2;
}
