import type { IndexEntry } from './index-entry.ts';
import type { Prefix, SearchClause, SearchQuery, SearchValue } from './search-query.ts';

/**
 * The reference semantics of search: whether a resource, given its index entries, satisfies a
 * clause. Store adapters compile the same AST; their contract tests compare against this.
 */
export function matchesSearch(entries: readonly IndexEntry[], clause: SearchClause): boolean {
  const own = entries.filter((entry) => entry.param === clause.param);
  if (clause.op === 'missing') return clause.missing === (own.length === 0);
  const any = clause.values.some((value) => own.some((entry) => matchesValue(entry, value)));
  return clause.negate ? !any : any;
}

/** All clauses of the query hold (sorting and paging are not filters). */
export function matchesQuery(entries: readonly IndexEntry[], query: SearchQuery): boolean {
  return query.clauses.every((clause) => matchesSearch(entries, clause));
}

function matchesValue(entry: IndexEntry, value: SearchValue): boolean {
  switch (value.kind) {
    case 'string':
      if (entry.kind !== 'string') return false;
      if (value.match === 'exact') return entry.raw === value.value;
      return value.match === 'contains'
        ? entry.value.includes(value.value)
        : entry.value.startsWith(value.value);
    case 'token':
      if (entry.kind !== 'token') return false;
      switch (value.form) {
        case 'code':
          return entry.code === value.code;
        case 'systemAndCode':
          return entry.system === value.system && entry.code === value.code;
        case 'codeWithoutSystem':
          return entry.system === null && entry.code === value.code;
        case 'system':
          return entry.system === value.system;
      }
      return false;
    case 'token-text':
      // A word prefix: "press" finds "Blood pressure".
      return (
        entry.kind === 'token' &&
        entry.text !== null &&
        (entry.text.startsWith(value.text) || entry.text.includes(` ${value.text}`))
      );
    case 'date':
      return (
        entry.kind === 'date' && matchesRange(value.prefix, entry.low, entry.high, value.low, value.high)
      );
    case 'number':
      return entry.kind === 'number' && matchesNumber(value.prefix, entry.value, value);
    case 'quantity':
      if (entry.kind !== 'quantity') return false;
      if (value.system !== null && entry.system !== value.system) return false;
      if (
        value.code !== null &&
        entry.code !== value.code &&
        !(value.system === null && entry.unit === value.code)
      ) {
        return false;
      }
      return matchesNumber(value.prefix, entry.value, value);
    case 'reference':
      if (entry.kind !== 'reference') return false;
      if (value.form === 'url') return entry.ref === value.url;
      if (value.form === 'id') return entry.refId === value.id;
      return entry.refType === value.type && entry.refId === value.id;
    case 'uri':
      if (entry.kind !== 'uri') return false;
      if (value.match === 'below') return entry.value.startsWith(value.value);
      if (value.match === 'above') return value.value.startsWith(entry.value);
      return entry.value === value.value;
  }
}

/**
 * FHIR R4 date prefixes over half-open ranges: resource [rLow, rHigh), search [sLow, sHigh).
 * eq: the search range contains the resource range; gt/lt: the resource range reaches beyond it;
 * ge/le: gt/lt or eq; sa/eb: entirely after/before it; ap: the ranges overlap (search pre-widened).
 */
export function matchesRange(
  prefix: Prefix,
  rLow: number,
  rHigh: number,
  sLow: number,
  sHigh: number,
): boolean {
  const contained = rLow >= sLow && rHigh <= sHigh;
  switch (prefix) {
    case 'eq':
      return contained;
    case 'ne':
      return !contained;
    case 'gt':
      return rHigh > sHigh;
    case 'lt':
      return rLow < sLow;
    case 'ge':
      return rHigh > sHigh || contained;
    case 'le':
      return rLow < sLow || contained;
    case 'sa':
      return rLow >= sHigh;
    case 'eb':
      return rHigh <= sLow;
    case 'ap':
      return rLow < sHigh && rHigh > sLow;
  }
}

/** Numbers: eq/ne use the precision range of the search value; ordering compares exactly. */
function matchesNumber(
  prefix: Prefix,
  x: number,
  search: { value: number; low: number; high: number },
): boolean {
  switch (prefix) {
    case 'eq':
      return x >= search.low && x < search.high;
    case 'ne':
      return !(x >= search.low && x < search.high);
    case 'gt':
    case 'sa':
      return x > search.value;
    case 'lt':
    case 'eb':
      return x < search.value;
    case 'ge':
      return x >= search.value;
    case 'le':
      return x <= search.value;
    case 'ap':
      return Math.abs(x - search.value) <= Math.abs(search.value) * 0.1;
  }
}
