import type { SQLInputValue } from 'node:sqlite';
import type { IndexEntry } from '../../fhir/index-entry.ts';
import { SHORT_DATE_MAX_WIDTH_MS } from '../../fhir/search-path-walker.ts';
import type {
  DateValue,
  MatchClause,
  Prefix,
  SearchClause,
  SearchQuery,
  SearchValue,
  SortKey,
} from '../../fhir/search-query.ts';
import type { SearchPosition } from '../cursor.ts';
import { allPrefixes, approximateBand, prefixUpperBound } from '../prefix-bound.ts';
import { SEARCH_INDEX_TABLES } from './search-index.ts';

/** A fragment of SQL with its `?` parameters in order. */
export type Sql = { text: string; params: SQLInputValue[] };

const sql = (text: string, ...params: SQLInputValue[]): Sql => ({ text, params });

function join(parts: readonly Sql[], separator: string): Sql {
  return { text: parts.map((p) => p.text).join(separator), params: parts.flatMap((p) => p.params) };
}

/**
 * AND-ed single-value date clauses on a parameter with at most one entry per resource, at most a
 * year wide (`singleShortDate`): all of them must hold for that one entry, so they compile to one
 * condition on it, bounded on `low` by what each prefix implies (see `impliedLowBounds`).
 */
export type MergedDateClause = {
  readonly op: 'dates';
  readonly param: string;
  readonly kind: 'date';
  readonly values: readonly DateValue[];
};
export type PlannedClause = SearchClause | MergedDateClause;

const mergeable = (clause: SearchClause): clause is MatchClause =>
  clause.op === 'match' &&
  clause.singleShortDate === true &&
  !clause.negate &&
  clause.values.length === 1 &&
  clause.values[0]?.kind === 'date' &&
  clause.values[0].prefix !== 'ne';

/** The query's clauses with mergeable date clauses on the same parameter folded into one. */
export function planClauses(clauses: readonly SearchClause[]): PlannedClause[] {
  const planned: PlannedClause[] = [];
  const merged = new Map<string, DateValue[]>();
  for (const clause of clauses) {
    if (!mergeable(clause)) {
      planned.push(clause);
      continue;
    }
    const values = merged.get(clause.param);
    if (values) values.push(clause.values[0] as DateValue);
    else {
      const first = [clause.values[0] as DateValue];
      merged.set(clause.param, first);
      planned.push({ op: 'dates', param: clause.param, kind: 'date', values: first });
    }
  }
  return planned.map((clause) =>
    clause.op === 'dates' && clause.values.length === 1
      ? { op: 'match', param: clause.param, kind: 'date', negate: false, values: clause.values }
      : clause,
  );
}

/**
 * Bounds on the entry's `low` implied by a date condition, given low < high <= low + a year:
 * e.g. `ge` needs high > sLow, hence low > sLow - a year. `[min, max)`, either may be open.
 */
function impliedLowBounds(value: DateValue): { min?: number; max?: number } {
  const { prefix, low, high } = value;
  switch (prefix) {
    case 'eq':
      return { min: low, max: high };
    case 'ge':
    case 'ap':
      return { min: low - SHORT_DATE_MAX_WIDTH_MS, max: prefix === 'ap' ? high : undefined };
    case 'gt':
      return { min: high - SHORT_DATE_MAX_WIDTH_MS };
    case 'le':
      return { max: high };
    case 'lt':
    case 'eb':
      return { max: low };
    case 'sa':
      return { min: high };
    case 'ne':
      return {};
  }
}

function mergedDatesSql(clause: MergedDateClause): Sql {
  let min = Number.NEGATIVE_INFINITY;
  let max = Number.POSITIVE_INFINITY;
  for (const value of clause.values) {
    const bounds = impliedLowBounds(value);
    if (bounds.min !== undefined) min = Math.max(min, bounds.min);
    if (bounds.max !== undefined) max = Math.min(max, bounds.max);
  }
  const parts: Sql[] = [];
  if (Number.isFinite(min)) parts.push(sql('low >= ?', min));
  if (Number.isFinite(max)) parts.push(sql('low < ?', max));
  for (const value of clause.values) {
    const condition = rangeSql(value.prefix, value.low, value.high);
    parts.push({ text: `(${condition.text})`, params: condition.params });
  }
  return join(parts, ' AND ');
}

const RESOURCE_COLUMNS =
  'r.tenant, r.type, r.id, r.version_id, r.last_updated, r.hash, r.deleted, r.connection, r.body';

/**
 * The rows a search reads. With a driver (the clause the store estimated most selective, see
 * sqlite-search.ts), the distinct ids of its index range are the outer loop (CROSS JOIN keeps
 * SQLite from reordering it), each joined to its resource by primary key. Every other clause is a
 * correlated EXISTS on the owner index (tenant, type, id, param): a few rows per candidate.
 * Without a driver the tenant's rows of the type are scanned by primary key.
 */
export function compileSource(
  tenant: string,
  type: string,
  clauses: readonly PlannedClause[],
  driver: number | undefined,
): Sql {
  const driving = driver === undefined ? undefined : clauses[driver];
  const others = clauses.filter((_, k) => k !== driver).map(probeSql);
  const from =
    driving === undefined
      ? sql('FROM resources r WHERE r.tenant = ? AND r.type = ?', tenant, type)
      : join(
          [
            sql('FROM (SELECT DISTINCT id FROM '),
            entriesSql(tenant, type, driving as MatchClause | MergedDateClause),
            sql(
              ') d CROSS JOIN resources r ON r.tenant = ? AND r.type = ? AND r.id = d.id WHERE 1',
              tenant,
              type,
            ),
          ],
          '',
        );
  return join([from, sql('r.deleted = 0'), ...others], ' AND ');
}

/**
 * The index rows of a (non-negated) match clause: `<table> WHERE ... AND (value OR value ...)`.
 * The value index is named when every value ranges over the same one: without statistics SQLite
 * otherwise prefers the owner index, which hands it ids in order but reads every entry of the type.
 */
export function entriesSql(tenant: string, type: string, clause: MatchClause | MergedDateClause): Sql {
  const { table } = SEARCH_INDEX_TABLES[clause.kind];
  if (clause.op === 'dates') {
    // Bounded on low (impliedLowBounds), so the low index (v0) gives one short range.
    return join(
      [
        sql(
          `${table} INDEXED BY ${table}_v0 WHERE tenant = ? AND type = ? AND param = ? AND `,
          tenant,
          type,
          clause.param,
        ),
        mergedDatesSql(clause),
      ],
      '',
    );
  }
  const indexes = new Set(clause.values.map((value) => valueIndex(value)));
  const [only] = indexes;
  const indexed = indexes.size === 1 && only !== undefined ? ` INDEXED BY ${table}_${only}` : '';
  return join(
    [
      sql(`${table}${indexed} WHERE tenant = ? AND type = ? AND param = ? AND (`, tenant, type, clause.param),
      valuesSql(clause),
      sql(')'),
    ],
    '',
  );
}

/** How many index rows a clause selects, counted up to `cap`: cheap, and enough to pick a driver. */
export function compileEstimate(
  tenant: string,
  type: string,
  clause: MatchClause | MergedDateClause,
  cap: number,
): Sql {
  return join(
    [
      sql('SELECT count(*) AS n FROM (SELECT 1 FROM '),
      entriesSql(tenant, type, clause),
      sql(' LIMIT ?)', cap),
    ],
    '',
  );
}

/** Clauses an index range can drive: a plain match (not :not, :contains, :text or ne, which read every entry of the param). */
export function canDrive(clause: PlannedClause): clause is MatchClause | MergedDateClause {
  if (clause.op === 'dates') return true;
  return (
    clause.op === 'match' &&
    !clause.negate &&
    clause.values.every(
      (v) =>
        v.kind !== 'token-text' &&
        !(v.kind === 'string' && v.match === 'contains') &&
        !('prefix' in v && v.prefix === 'ne'),
    )
  );
}

/** One page: source, keyset position, order (sort keys, then id) and LIMIT. */
export function compilePage(
  tenant: string,
  type: string,
  query: { readonly clauses: readonly PlannedClause[]; readonly sort: SearchQuery['sort'] },
  driver: number | undefined,
  after: SearchPosition | undefined,
  limit: number,
): Sql {
  const keys = query.sort.map((key, k) => ({ ...key, column: `k${k}` }));
  const sortColumns = keys.map((key) => {
    const expr = sortExpression(key);
    return { text: `${expr.text} AS ${key.column}`, params: expr.params };
  });
  const inner = join(
    [
      sql('SELECT '),
      join([sql(RESOURCE_COLUMNS), ...sortColumns], ', '),
      sql(' '),
      compileSource(tenant, type, query.clauses, driver),
    ],
    '',
  );
  const order = [...keys.map((key) => `${key.column}${key.descending ? ' DESC' : ''}`), 'id'].join(', ');
  const position = after ? keysetSql(keys, after) : sql('1');
  return join(
    [sql('SELECT * FROM ('), inner, sql(') WHERE '), position, sql(` ORDER BY ${order} LIMIT ?`, limit)],
    '',
  );
}

export function compileCount(
  tenant: string,
  type: string,
  clauses: readonly PlannedClause[],
  driver: number | undefined,
): Sql {
  return join([sql('SELECT count(*) AS n '), compileSource(tenant, type, clauses, driver)], '');
}

/**
 * Rows after `position` in (k0, k1, ..., id) order. NULL (no value) sorts lowest, as SQLite
 * orders it: first ascending, last descending; ties break on id ascending.
 */
function keysetSql(keys: ReadonlyArray<SortKey & { column: string }>, position: SearchPosition): Sql {
  const branches: Sql[] = [];
  const equalSoFar: Sql[] = [];
  keys.forEach((key, k) => {
    const value = position.values[k] ?? null;
    const after =
      value === null
        ? key.descending
          ? undefined
          : sql(`${key.column} IS NOT NULL`)
        : key.descending
          ? sql(`(${key.column} < ? OR ${key.column} IS NULL)`, value)
          : sql(`${key.column} > ?`, value);
    if (after) branches.push(join([...equalSoFar, after], ' AND '));
    equalSoFar.push(value === null ? sql(`${key.column} IS NULL`) : sql(`${key.column} = ?`, value));
  });
  branches.push(join([...equalSoFar, sql('id > ?', position.id)], ' AND '));
  return join(
    branches.map((b) => ({ text: `(${b.text})`, params: b.params })),
    ' OR ',
  );
}

const SORT_COLUMN: Record<IndexEntry['kind'], { asc: string; desc: string }> = {
  string: { asc: 'value', desc: 'value' },
  token: { asc: 'code', desc: 'code' },
  date: { asc: 'low', desc: 'high' },
  reference: { asc: 'ref', desc: 'ref' },
  number: { asc: 'value', desc: 'value' },
  quantity: { asc: 'value', desc: 'value' },
  uri: { asc: 'value', desc: 'value' },
};

/** The resource's sort value (see search-sort.ts): MIN ascending, MAX descending, over its entries. */
function sortExpression(key: SortKey): Sql {
  const { table } = SEARCH_INDEX_TABLES[key.kind];
  const column = SORT_COLUMN[key.kind][key.descending ? 'desc' : 'asc'];
  return sql(
    `(SELECT ${key.descending ? 'MAX' : 'MIN'}(${column}) FROM ${table} x INDEXED BY ${table}_owner WHERE x.tenant = r.tenant AND x.type = r.type AND x.id = r.id AND x.param = ?)`,
    key.param,
  );
}

/** Which value index (search-index.ts) a value's condition ranges over; undefined when none does. */
function valueIndex(value: SearchValue): 'v0' | 'v1' | undefined {
  switch (value.kind) {
    case 'string':
      return value.match === 'exact' ? 'v1' : value.match === 'prefix' ? 'v0' : undefined;
    case 'token':
      return value.form === 'system' ? undefined : 'v0';
    case 'date':
      return ['gt', 'ge', 'eb'].includes(value.prefix) ? 'v1' : value.prefix === 'ne' ? undefined : 'v0';
    case 'number':
    case 'quantity':
      return value.prefix === 'ne' ? undefined : 'v0';
    case 'reference':
      return value.form === 'url' ? 'v1' : 'v0';
    case 'uri':
      return 'v0';
    case 'token-text':
      return undefined;
  }
}

/** A clause checked for one candidate row `r`, through the owner index. */
function probeSql(clause: PlannedClause): Sql {
  const { table } = SEARCH_INDEX_TABLES[clause.kind];
  const owned = `SELECT 1 FROM ${table} x INDEXED BY ${table}_owner WHERE x.tenant = r.tenant AND x.type = r.type AND x.id = r.id AND x.param = ?`;
  if (clause.op === 'dates')
    return join([sql(`EXISTS (${owned} AND `, clause.param), mergedDatesSql(clause), sql(')')], '');
  if (clause.op === 'missing') return sql(`${clause.missing ? 'NOT ' : ''}EXISTS (${owned})`, clause.param);
  return join(
    [sql(`${clause.negate ? 'NOT ' : ''}EXISTS (${owned} AND (`, clause.param), valuesSql(clause), sql('))')],
    '',
  );
}

function valuesSql(clause: MatchClause): Sql {
  return join(
    clause.values.map((value) => {
      const condition = valueSql(clause, value);
      return { text: `(${condition.text})`, params: condition.params };
    }),
    ' OR ',
  );
}

function valueSql(clause: MatchClause, value: SearchValue): Sql {
  switch (value.kind) {
    case 'string':
      if (value.match === 'exact') return sql('raw = ?', value.value);
      if (value.match === 'contains') return sql('instr(value, ?) > 0', value.value);
      return prefixSql('value', value.value);
    case 'token':
      switch (value.form) {
        case 'code':
          return sql('code = ?', value.code);
        case 'systemAndCode':
          return sql('code = ? AND system = ?', value.code, value.system);
        case 'codeWithoutSystem':
          return sql('code = ? AND system IS NULL', value.code);
        case 'system':
          return sql('system = ?', value.system);
      }
      throw new Error('unreachable token form');
    case 'token-text':
      // A word prefix: the text starts with it, or a word inside does.
      return join([prefixSql('text', value.text), sql('instr(text, ?) > 0', ` ${value.text}`)], ' OR ');
    case 'date':
      return rangeSql(value.prefix, value.low, value.high);
    case 'number':
      return numberSql(value.prefix, value);
    case 'quantity': {
      const parts = [numberSql(value.prefix, value)];
      if (value.system !== null) parts.push(sql('system = ?', value.system));
      if (value.code !== null) {
        parts.push(
          value.system === null
            ? sql('(code = ? OR unit = ?)', value.code, value.code)
            : sql('code = ?', value.code),
        );
      }
      return join(parts, ' AND ');
    }
    case 'reference':
      if (value.form === 'url') return sql('ref = ?', value.url);
      if (value.form === 'id') return sql('ref_id = ?', value.id);
      return sql('ref_id = ? AND ref_type = ?', value.id, value.type);
    case 'uri':
      if (value.match === 'below') return prefixSql('value', value.value);
      if (value.match === 'above') {
        const prefixes = allPrefixes(value.value);
        return sql(`value IN (${prefixes.map(() => '?').join(', ')})`, ...prefixes);
      }
      return sql('value = ?', value.value);
  }
  throw new Error(`unsupported search value for ${clause.param}`);
}

function prefixSql(column: string, prefix: string): Sql {
  const bound = prefixUpperBound(prefix);
  return bound === undefined
    ? sql(`${column} >= ?`, prefix)
    : sql(`${column} >= ? AND ${column} < ?`, prefix, bound);
}

/** Date prefixes over the entry's [low, high) and the search's [sLow, sHigh) (match-search.ts). */
function rangeSql(prefix: Prefix, sLow: number, sHigh: number): Sql {
  const contained = sql('(low >= ? AND high <= ?)', sLow, sHigh);
  switch (prefix) {
    case 'eq':
      // low < sHigh follows from contained (low < high), and bounds the index range on low.
      return sql('low >= ? AND low < ? AND high <= ?', sLow, sHigh, sHigh);
    case 'ne':
      return sql('NOT (low >= ? AND high <= ?)', sLow, sHigh);
    case 'gt':
      return sql('high > ?', sHigh);
    case 'lt':
      return sql('low < ?', sLow);
    case 'ge':
      // Both branches imply high > sLow (contained: high > low >= sLow): the index range on high.
      return join([sql('high > ? AND (high > ? OR', sLow, sHigh), contained, sql(')')], ' ');
    case 'le':
      // Both branches imply low < sHigh: the index range on low.
      return join([sql('low < ? AND (low < ? OR', sHigh, sLow), contained, sql(')')], ' ');
    case 'sa':
      return sql('low >= ?', sHigh);
    case 'eb':
      return sql('high <= ?', sLow);
    case 'ap':
      return sql('low < ? AND high > ?', sHigh, sLow);
  }
}

function numberSql(prefix: Prefix, search: { value: number; low: number; high: number }): Sql {
  switch (prefix) {
    case 'eq':
      return sql('value >= ? AND value < ?', search.low, search.high);
    case 'ne':
      return sql('NOT (value >= ? AND value < ?)', search.low, search.high);
    case 'gt':
    case 'sa':
      return sql('value > ?', search.value);
    case 'lt':
    case 'eb':
      return sql('value < ?', search.value);
    case 'ge':
      return sql('value >= ?', search.value);
    case 'le':
      return sql('value <= ?', search.value);
    case 'ap': {
      const band = approximateBand(search.value);
      return sql(
        'value >= ? AND value <= ? AND abs(value - ?) <= ?',
        band.low,
        band.high,
        search.value,
        band.tolerance,
      );
    }
  }
}
