import type { Filter, Sort } from 'mongodb';
import type { Prefix, SearchClause, SearchValue, SortKey } from '../../fhir/search-query.ts';
import type { SearchPosition } from '../cursor.ts';
import { allPrefixes, approximateBand } from '../prefix-bound.ts';
import type { ResourceDoc } from './collections.ts';
import { escapeRegex, ORDERABLE_MAX, presentPattern, searchKey } from './search-keys.ts';

/**
 * A clause as a query on the `ik` keys. `exact` says the filter alone decides; otherwise it is a
 * superset (a key range narrows date, number and quantity entries, whose two-sided and
 * system/code conditions one key cannot carry) and the store re-checks the clause on `rx`.
 */
export type CompiledClause = { filter: Filter<ResourceDoc>; exact: boolean };

export function compileClause(clause: SearchClause): CompiledClause {
  const present: Filter<ResourceDoc> = { ik: { $regex: presentPattern(clause.param) } };
  if (clause.op === 'missing') {
    return { filter: clause.missing ? { $nor: [present] } : present, exact: true };
  }
  const compiled = clause.values.map((value) => valueFilter(clause.param, value));
  const exact = compiled.every((c) => c.exact);
  const any: Filter<ResourceDoc> =
    compiled.length === 1 ? (compiled[0] as CompiledClause).filter : { $or: compiled.map((c) => c.filter) };
  if (!clause.negate) return { filter: any, exact };
  // NOT of a superset would drop true hits: an inexact negation is left to the re-check.
  return exact ? { filter: { $nor: [any] }, exact } : { filter: {}, exact: false };
}

const exactly = (filter: Filter<ResourceDoc>): CompiledClause => ({ filter, exact: true });
const regex = (pattern: string): CompiledClause => exactly({ ik: { $regex: pattern } });
/** Any key within [from, to) (bounds as given); $elemMatch keeps both bounds on one key on MongoDB. */
const keyRange = (bounds: { $gt?: string; $gte?: string; $lt?: string; $lte?: string }): CompiledClause => ({
  filter: { ik: { $elemMatch: bounds } },
  exact: false,
});

function valueFilter(param: string, value: SearchValue): CompiledClause {
  switch (value.kind) {
    case 'string':
      if (value.match === 'exact') return exactly({ ik: searchKey.stringExact(param, value.value) });
      if (value.match === 'contains')
        return regex(`^${escapeRegex(searchKey.string(param, ''))}.*${escapeRegex(value.value)}`);
      return regex(`^${escapeRegex(searchKey.string(param, value.value))}`);
    case 'token':
      switch (value.form) {
        case 'code':
          return exactly({ ik: searchKey.tokenCode(param, value.code) });
        case 'systemAndCode':
          return exactly({ ik: searchKey.tokenSystemCode(param, value.system, value.code) });
        case 'codeWithoutSystem':
          return exactly({ ik: searchKey.tokenCodeWithoutSystem(param, value.code) });
        case 'system':
          return exactly({ ik: searchKey.tokenSystem(param, value.system) });
      }
      throw new Error('unreachable token form');
    case 'token-text':
      // A word prefix: at the start of the text or after a space.
      return regex(`^${escapeRegex(searchKey.tokenText(param, ''))}(?:.* )?${escapeRegex(value.text)}`);
    case 'date':
      return dateCandidates(param, value.prefix, value.low, value.high);
    case 'number':
    case 'quantity':
      return numberCandidates(param, value.prefix, value);
    case 'reference':
      if (value.form === 'url') return exactly({ ik: searchKey.reference(param, value.url) });
      if (value.form === 'id') return exactly({ ik: searchKey.referenceId(param, value.id) });
      return exactly({ ik: searchKey.referenceTyped(param, value.type, value.id) });
    case 'uri':
      if (value.match === 'below') return regex(`^${escapeRegex(searchKey.uri(param, value.value))}`);
      if (value.match === 'above')
        return exactly({ ik: { $in: allPrefixes(value.value).map((p) => searchKey.uri(param, p)) } });
      return exactly({ ik: searchKey.uri(param, value.value) });
  }
}

/**
 * Key ranges implied by each date prefix on one side of the entry's [low, high): every true hit
 * falls inside (e.g. `eq` needs sLow <= low < sHigh), the re-check settles the other side.
 */
function dateCandidates(param: string, prefix: Prefix, sLow: number, sHigh: number): CompiledClause {
  const low = (ms: number) => searchKey.dateLow(param, ms);
  const high = (ms: number) => searchKey.dateHigh(param, ms);
  const lowFloor = searchKey.dateLow(param, 0).slice(0, -16);
  const highFloor = searchKey.dateHigh(param, 0).slice(0, -16);
  switch (prefix) {
    case 'eq':
      return keyRange({ $gte: low(sLow), $lt: low(sHigh) });
    case 'ne':
      return { filter: { ik: { $regex: presentPattern(param) } }, exact: false };
    case 'gt':
      return keyRange({ $gt: high(sHigh), $lt: highFloor + ORDERABLE_MAX });
    case 'lt':
      return keyRange({ $gt: lowFloor, $lt: low(sLow) });
    case 'ge':
      return keyRange({ $gt: high(sLow), $lt: highFloor + ORDERABLE_MAX });
    case 'le':
    case 'ap':
      return keyRange({ $gt: lowFloor, $lt: low(sHigh) });
    case 'sa':
      return keyRange({ $gte: low(sHigh), $lt: lowFloor + ORDERABLE_MAX });
    case 'eb':
      return keyRange({ $gt: highFloor, $lte: high(sLow) });
  }
}

function numberCandidates(
  param: string,
  prefix: Prefix,
  search: { value: number; low: number; high: number },
): CompiledClause {
  const key = (n: number) => searchKey.number(param, n);
  const floor = key(0).slice(0, -16);
  const ceiling = floor + ORDERABLE_MAX;
  switch (prefix) {
    case 'eq':
      return keyRange({ $gte: key(search.low), $lt: key(search.high) });
    case 'ne':
      return { filter: { ik: { $regex: presentPattern(param) } }, exact: false };
    case 'gt':
    case 'sa':
      return keyRange({ $gt: key(search.value), $lt: ceiling });
    case 'lt':
    case 'eb':
      return keyRange({ $gt: floor, $lt: key(search.value) });
    case 'ge':
      return keyRange({ $gte: key(search.value), $lt: ceiling });
    case 'le':
      return keyRange({ $gt: floor, $lte: key(search.value) });
    case 'ap': {
      const band = approximateBand(search.value);
      return keyRange({ $gte: key(band.low), $lte: key(band.high) });
    }
  }
}

/** The stored sort value field of a key (search-fields.ts). */
export function sortField(key: Pick<SortKey, 'param' | 'descending'>): string {
  return `sk.${key.descending ? '-' : ''}${key.param}`;
}

export function sortSpec(sort: readonly SortKey[]): Sort {
  const spec: Record<string, 1 | -1> = {};
  for (const key of sort) spec[sortField(key)] = key.descending ? -1 : 1;
  spec.id = 1;
  return spec;
}

/**
 * Documents after `position` in sort order. A missing sort value sorts lowest, as MongoDB orders
 * it: first ascending, last descending; ties break on id ascending (the same order as SQLite).
 */
export function keysetFilter(sort: readonly SortKey[], position: SearchPosition): Filter<ResourceDoc> {
  const branches: Array<Filter<ResourceDoc>[]> = [];
  const equalSoFar: Filter<ResourceDoc>[] = [];
  sort.forEach((key, k) => {
    const field = sortField(key);
    const value = position.values[k] ?? null;
    if (value === null) {
      if (!key.descending) branches.push([...equalSoFar, { [field]: { $ne: null } }]);
    } else if (key.descending) {
      branches.push([...equalSoFar, { $or: [{ [field]: { $lt: value } }, { [field]: null }] }]);
    } else {
      branches.push([...equalSoFar, { [field]: { $gt: value } }]);
    }
    equalSoFar.push({ [field]: value });
  });
  branches.push([...equalSoFar, { id: { $gt: position.id } }]);
  return {
    $or: branches.map((branch) =>
      branch.length === 1 ? (branch[0] as Filter<ResourceDoc>) : { $and: branch },
    ),
  };
}
