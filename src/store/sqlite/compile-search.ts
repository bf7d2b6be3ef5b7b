import type { SQLInputValue } from 'node:sqlite';
import { CONNECTION_SOURCE_PREFIX } from '../../fhir/identity.ts';
import type { IndexEntry } from '../../fhir/index-entry.ts';
import { SHORT_DATE_MAX_WIDTH_MS } from '../../fhir/search-path-walker.ts';
import type {
  ColumnName,
  DateValue,
  MatchClause,
  ParamSource,
  Prefix,
  SearchClause,
  SearchQuery,
  SearchValue,
  SortKey,
  UriValue,
} from '../../fhir/search-query.ts';
import { normalizeSearchText } from '../../fhir/search-text.ts';
import type { SearchPosition } from '../cursor.ts';
import { allPrefixes, approximateBand, prefixUpperBound } from '../prefix-bound.ts';
import type { DateShape } from './date-shapes.ts';
import { ENTRY_BITS, ENTRY_SLOTS, SEARCH_INDEX_TABLES } from './search-index.ts';

/** A fragment of SQL with its `?` parameters in order. */
export type Sql = { text: string; params: SQLInputValue[] };

const sql = (text: string, ...params: SQLInputValue[]): Sql => ({ text, params });

function join(parts: readonly Sql[], separator: string): Sql {
  return { text: parts.map((p) => p.text).join(separator), params: parts.flatMap((p) => p.params) };
}

/**
 * AND-ed single-value date clauses on a parameter with at most one entry per resource, no wider
 * than `maxWidth`: all of them must hold for that one entry, so they compile to one condition on
 * it, bounded on `low` by what each prefix implies (see `impliedLowBounds`).
 */
export type MergedDateClause = {
  readonly op: 'dates';
  readonly param: string;
  readonly kind: 'date';
  readonly values: readonly DateValue[];
  readonly maxWidth: number;
};
export type PlannedClause = SearchClause | MergedDateClause;

/** The recorded shape of a date parameter's entries in the searched tenant and type (date-shapes.ts). */
export type DateShapeOf = (param: string) => DateShape | undefined;

/**
 * The widest entry, when the clause may be merged with others on its parameter: the stored data
 * has at most one entry per resource (date-shapes.ts), or, with no record, the definition says so
 * (`singleShortDate`).
 */
function mergeableWidth(clause: SearchClause, shapeOf: DateShapeOf): number | undefined {
  if (clause.op !== 'match') return undefined;
  const value = clause.values[0];
  const single =
    !clause.negate &&
    (clause.source === undefined || clause.source.from === 'own') &&
    clause.values.length === 1 &&
    value?.kind === 'date' &&
    value.prefix !== 'ne';
  if (!single) return undefined;
  const shape = shapeOf(clause.param);
  if (shape) return shape.maxEntries <= 1 ? shape.maxWidth : undefined;
  return clause.singleShortDate ? SHORT_DATE_MAX_WIDTH_MS : undefined;
}

/** The query's clauses with mergeable date clauses on the same parameter folded into one. */
export function planClauses(
  clauses: readonly SearchClause[],
  shapeOf: DateShapeOf = () => undefined,
): PlannedClause[] {
  const planned: PlannedClause[] = [];
  const merged = new Map<string, DateValue[]>();
  for (const clause of clauses) {
    const maxWidth = mergeableWidth(clause, shapeOf);
    if (maxWidth === undefined || clause.op !== 'match') {
      planned.push(clause);
      continue;
    }
    const values = merged.get(clause.param);
    if (values) values.push(clause.values[0] as DateValue);
    else {
      const first = [clause.values[0] as DateValue];
      merged.set(clause.param, first);
      planned.push({ op: 'dates', param: clause.param, kind: 'date', values: first, maxWidth });
    }
  }
  return planned.map((clause) =>
    clause.op === 'dates' && clause.values.length === 1
      ? { op: 'match', param: clause.param, kind: 'date', negate: false, values: clause.values }
      : clause,
  );
}

/**
 * Bounds on the entry's `low` implied by a date condition, given low < high <= low + width:
 * e.g. `ge` needs high > sLow, hence low > sLow - width. `[min, max)`, either may be open.
 */
function impliedLowBounds(value: DateValue, width: number): { min?: number; max?: number } {
  const { prefix, low, high } = value;
  switch (prefix) {
    case 'eq':
      return { min: low, max: high };
    case 'ge':
    case 'ap':
      return { min: low - width, max: prefix === 'ap' ? high : undefined };
    case 'gt':
      return { min: high - width };
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
    const bounds = impliedLowBounds(value, clause.maxWidth);
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

/** The interned id (search-param-ids.ts) of a parameter of the searched tenant and type, if any entry ever had it. */
export type ParamIdOf = (param: string) => number | undefined;

/** Where a clause or sort key reads: the resource's own column, or index rows of some parameters. */
type Target =
  | { readonly on: 'column'; readonly column: ColumnName }
  | { readonly on: 'entries'; readonly pids: readonly number[]; readonly refType: string | null };

function targetOf(item: { param: string; source?: ParamSource }, pidOf: ParamIdOf): Target {
  const source = item.source ?? { from: 'own' };
  if (source.from === 'column') return { on: 'column', column: source.column };
  const params = source.from === 'params' ? source.params : [item.param];
  const pids = params.map(pidOf).filter((pid): pid is number => pid !== undefined);
  return { on: 'entries', pids, refType: source.from === 'params' ? source.refType : null };
}

/** `pid = ?` / `pid IN (…)`, plus the reference-type restriction of a derived parameter. */
function entryOwnerSql(target: Target & { on: 'entries' }): Sql {
  const pids =
    target.pids.length === 1
      ? sql('pid = ?', target.pids[0] as number)
      : sql(`pid IN (${target.pids.map(() => '?').join(', ')})`, ...target.pids);
  return target.refType === null ? pids : join([pids, sql('ref_type = ?', target.refType)], ' AND ');
}

/**
 * The rows a search reads. With a driver (the clause the store estimated most selective, see
 * sqlite-search.ts), the distinct rids of its index range are the outer loop (CROSS JOIN keeps
 * SQLite from reordering it), each joined to its resource by rowid. Every other clause is a
 * correlated EXISTS over the candidate's own index rows (one rowid range, search-index.ts).
 * Without a driver the tenant's resources of the type are read in id order.
 */
export function compileSource(
  tenant: string,
  type: string,
  clauses: readonly PlannedClause[],
  driver: number | undefined,
  pidOf: ParamIdOf,
): Sql {
  const driving = driver === undefined ? undefined : clauses[driver];
  const others = clauses.filter((_, k) => k !== driver).map((clause) => probeSql(clause, pidOf));
  const from =
    driving === undefined
      ? sql('FROM resources r WHERE r.tenant = ? AND r.type = ?', tenant, type)
      : join(
          [
            sql('FROM ('),
            ridsSql(tenant, type, driving as MatchClause | MergedDateClause, pidOf),
            sql(
              ') d CROSS JOIN resources r ON r.rid = d.rid WHERE r.tenant = ? AND r.type = ?',
              tenant,
              type,
            ),
          ],
          '',
        );
  return join([from, sql('r.deleted = 0'), ...others], ' AND ');
}

/**
 * The distinct rids a (non-negated) match clause selects: an index range over its value index, or
 * over `resources` for the id and lastUpdated columns. The value index is named when every value
 * ranges over the same one: without statistics SQLite may otherwise pick another.
 */
export function ridsSql(
  tenant: string,
  type: string,
  clause: MatchClause | MergedDateClause,
  pidOf: ParamIdOf,
  distinct = true,
): Sql {
  const target = targetOf(clause, pidOf);
  if (target.on === 'column') {
    const index = COLUMN_INDEX[target.column];
    if (index === undefined) throw new Error(`${clause.param} cannot drive a query`);
    return join(
      [
        sql(
          `SELECT rid FROM resources INDEXED BY ${index} WHERE tenant = ? AND type = ? AND (`,
          tenant,
          type,
        ),
        columnValuesSql(target.column, clause as MatchClause, ''),
        sql(')'),
      ],
      '',
    );
  }
  if (target.pids.length === 0) return sql('SELECT NULL AS rid WHERE 0');
  const { table } = SEARCH_INDEX_TABLES[clause.kind];
  const select = `SELECT ${distinct ? 'DISTINCT ' : ''}k >> ${ENTRY_BITS} AS rid FROM ${table}`;
  if (clause.op === 'dates') {
    // Bounded on low (impliedLowBounds), so the low index (v0) gives one short range.
    return join(
      [
        sql(`${select} INDEXED BY ${table}_v0 WHERE `),
        entryOwnerSql(target),
        sql(' AND '),
        mergedDatesSql(clause),
      ],
      '',
    );
  }
  const indexes = new Set(clause.values.map((value) => valueIndex(value)));
  const [only] = indexes;
  const indexed = indexes.size === 1 && only !== undefined ? ` INDEXED BY ${table}_${only}` : '';
  return join(
    [sql(`${select}${indexed} WHERE `), entryOwnerSql(target), sql(' AND ('), valuesSql(clause), sql(')')],
    '',
  );
}

/** How many index rows a clause selects, counted up to `cap`: cheap, and enough to pick a driver. */
export function compileEstimate(
  tenant: string,
  type: string,
  clause: MatchClause | MergedDateClause,
  cap: number,
  pidOf: ParamIdOf,
): Sql {
  return join(
    [sql('SELECT count(*) AS n FROM ('), ridsSql(tenant, type, clause, pidOf, false), sql(' LIMIT ?)', cap)],
    '',
  );
}

/**
 * Clauses an index range can drive: a plain match (not :not, :contains, :text or ne, which read
 * every entry of the param), on entries or on the id / lastUpdated columns.
 */
export function canDrive(clause: PlannedClause): clause is MatchClause | MergedDateClause {
  if (clause.op === 'dates') return true;
  const column = clause.source?.from === 'column' ? clause.source.column : undefined;
  return (
    (column === undefined || COLUMN_INDEX[column] !== undefined) &&
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
  pidOf: ParamIdOf,
): Sql {
  const keys = query.sort.map((key, k) => ({ ...key, column: `k${k}` }));
  const sortColumns = keys.map((key) => {
    const expr = sortExpression(key, pidOf);
    return { text: `${expr.text} AS ${key.column}`, params: expr.params };
  });
  const inner = join(
    [
      sql('SELECT '),
      join([sql(RESOURCE_COLUMNS), ...sortColumns], ', '),
      sql(' '),
      compileSource(tenant, type, query.clauses, driver, pidOf),
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
  pidOf: ParamIdOf,
): Sql {
  return join([sql('SELECT count(*) AS n '), compileSource(tenant, type, clauses, driver, pidOf)], '');
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

/** Epoch milliseconds of `r.last_updated` (always toISOString's form), in exact integer arithmetic. */
const LAST_UPDATED_MS =
  "(CAST(strftime('%s', r.last_updated) AS INTEGER) * 1000 + CAST(substr(r.last_updated, 21, 3) AS INTEGER))";

/** A candidate's own index rows: its rowid range (search-index.ts), never an index on pid. */
function ownRowsSql(table: string): string {
  return `FROM ${table} x NOT INDEXED WHERE x.k >= r.rid * ${ENTRY_SLOTS} AND x.k < r.rid * ${ENTRY_SLOTS} + ${ENTRY_SLOTS}`;
}

/**
 * The resource's sort value (see search-sort.ts): MIN ascending, MAX descending, over its entries;
 * lastUpdated sorts as the instant's [t, t + 1 ms) range would.
 */
function sortExpression(key: SortKey, pidOf: ParamIdOf): Sql {
  const target = targetOf(key, pidOf);
  if (target.on === 'column') {
    switch (target.column) {
      case 'id':
        return sql('r.id');
      case 'source':
        return sql('r.source');
      case 'connection':
        return CONNECTION_OF_SOURCE;
      case 'lastUpdated':
        return sql(key.descending ? `(${LAST_UPDATED_MS} + 1)` : LAST_UPDATED_MS);
    }
  }
  if (target.pids.length === 0) return sql('NULL');
  const { table } = SEARCH_INDEX_TABLES[key.kind];
  const column = SORT_COLUMN[key.kind][key.descending ? 'desc' : 'asc'];
  return join(
    [
      sql(`(SELECT ${key.descending ? 'MAX' : 'MIN'}(${column}) ${ownRowsSql(table)} AND `),
      entryOwnerSql(target),
      sql(')'),
    ],
    '',
  );
}

/** Which value index (search-index.ts) a value's condition ranges over; undefined when none does. */
function valueIndex(value: SearchValue): 'v0' | 'v1' | undefined {
  switch (value.kind) {
    case 'string':
      return value.match === 'contains' ? undefined : 'v0';
    case 'token':
      return value.form === 'system' ? undefined : 'v0';
    case 'date':
      return ['gt', 'ge', 'eb'].includes(value.prefix) ? 'v1' : value.prefix === 'ne' ? undefined : 'v0';
    case 'number':
    case 'quantity':
      return value.prefix === 'ne' ? undefined : 'v0';
    case 'reference':
      return value.form === 'url' ? undefined : 'v0';
    case 'uri':
      return 'v0';
    case 'token-text':
      return undefined;
  }
}

/** A clause checked for one candidate row `r`: on its columns, or over its own index rows. */
function probeSql(clause: PlannedClause, pidOf: ParamIdOf): Sql {
  const target = targetOf(clause, pidOf);
  if (target.on === 'column') {
    if (clause.op === 'missing') {
      const present = columnPresentSql(target.column);
      return { text: `${clause.missing ? 'NOT ' : ''}coalesce(${present.text}, 0)`, params: present.params };
    }
    // coalesce: a NULL source is "no entry", so :not keeps the resource.
    const match = columnValuesSql(target.column, clause as MatchClause, 'r.');
    return {
      text: `${clause.op === 'match' && clause.negate ? 'NOT ' : ''}coalesce((${match.text}), 0)`,
      params: match.params,
    };
  }
  const positive = clause.op === 'missing' ? !clause.missing : clause.op === 'dates' || !clause.negate;
  if (target.pids.length === 0) return sql(positive ? '0' : '1');
  const { table } = SEARCH_INDEX_TABLES[clause.kind];
  const condition =
    clause.op === 'dates' ? mergedDatesSql(clause) : clause.op === 'missing' ? sql('1') : valuesSql(clause);
  return join(
    [
      sql(`${positive ? '' : 'NOT '}EXISTS (SELECT 1 ${ownRowsSql(table)} AND `),
      entryOwnerSql(target),
      sql(' AND ('),
      condition,
      sql('))'),
    ],
    '',
  );
}

function valuesSql(clause: MatchClause): Sql {
  if (clause.kind === 'reference' && clause.values.length > 1) return referenceValuesSql(clause.values);
  return join(
    clause.values.map((value) => {
      const condition = valueSql(clause, value);
      return { text: `(${condition.text})`, params: condition.params };
    }),
    ' OR ',
  );
}

/**
 * Many reference values (a batched reverse lookup: `patient=Patient/a,Patient/b,…`) as `ref_id IN
 * (…)` per target type, so the (pid, ref_id, ref_type) index seeks each id instead of SQLite
 * scanning every entry of the parameter to test a long OR.
 */
function referenceValuesSql(values: readonly SearchValue[]): Sql {
  const byType = new Map<string | null, string[]>();
  const urls: string[] = [];
  for (const value of values) {
    if (value.kind !== 'reference') continue;
    if (value.form === 'url') urls.push(value.url);
    else {
      const type = value.form === 'typed' ? value.type : null;
      byType.set(type, [...(byType.get(type) ?? []), value.id]);
    }
  }
  const parts: Sql[] = [];
  for (const [type, ids] of byType) {
    const list = sql(`ref_id IN (${ids.map(() => '?').join(', ')})`, ...ids);
    parts.push(type === null ? list : join([list, sql('ref_type = ?', type)], ' AND '));
  }
  for (const url of urls) parts.push(sql('ref = ?', url));
  return join(
    parts.map((part) => ({ text: `(${part.text})`, params: part.params })),
    ' OR ',
  );
}

function valueSql(clause: MatchClause, value: SearchValue): Sql {
  switch (value.kind) {
    case 'string':
      if (value.match === 'exact')
        return sql('value = ? AND raw = ?', normalizeSearchText(value.value), value.value);
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
      return uriSql('value', value);
  }
  throw new Error(`unsupported search value for ${clause.param}`);
}

function uriSql(column: string, value: UriValue): Sql {
  if (value.match === 'below') return prefixSql(column, value.value);
  if (value.match === 'above') {
    const prefixes = allPrefixes(value.value);
    return sql(`${column} IN (${prefixes.map(() => '?').join(', ')})`, ...prefixes);
  }
  return sql(`${column} = ?`, value.value);
}

/** The resources index a column clause can drive from; source and connection have none (few values, many rows). */
const COLUMN_INDEX: Readonly<Record<ColumnName, string | undefined>> = {
  id: 'sqlite_autoindex_resources_1',
  lastUpdated: 'resources_updated',
  source: undefined,
  connection: undefined,
};

const CONNECTION_PREFIX_END = prefixUpperBound(CONNECTION_SOURCE_PREFIX) as string;

/** `_connection`'s value: meta.source after the gateway's connection prefix, else NULL. */
const CONNECTION_OF_SOURCE = sql(
  `(CASE WHEN r.source >= ? AND r.source < ? THEN substr(r.source, ${CONNECTION_SOURCE_PREFIX.length + 1}) END)`,
  CONNECTION_SOURCE_PREFIX,
  CONNECTION_PREFIX_END,
);

/** Whether the resource has a value for a column parameter (`:missing`). */
function columnPresentSql(column: ColumnName): Sql {
  switch (column) {
    case 'id':
    case 'lastUpdated':
      return sql('1');
    case 'source':
      return sql('r.source IS NOT NULL');
    case 'connection':
      return sql('(r.source >= ? AND r.source < ?)', CONNECTION_SOURCE_PREFIX, CONNECTION_PREFIX_END);
  }
}

/**
 * A clause on a resource column, with the semantics its index entries would have: `_id` is a token
 * without system or text; lastUpdated an instant t, the entry [t, t + 1 ms), compared as
 * toISOString text (the column's form, whose order is time order for years 0–9999); `_source` a
 * uri; `_connection` a token without system whose code follows the prefix in meta.source.
 */
function columnValuesSql(column: ColumnName, clause: MatchClause, prefix: string): Sql {
  return join(
    clause.values.map((value) => {
      const condition = columnValueSql(column, value, prefix);
      return { text: `(${condition.text})`, params: condition.params };
    }),
    ' OR ',
  );
}

function columnValueSql(column: ColumnName, value: SearchValue, prefix: string): Sql {
  switch (column) {
    case 'id':
      return idValueSql(`${prefix}id`, value);
    case 'lastUpdated':
      return lastUpdatedSql(`${prefix}last_updated`, value);
    case 'source':
      return value.kind === 'uri' ? uriSql(`${prefix}source`, value) : sql('0');
    case 'connection':
      return value.kind === 'token' && (value.form === 'code' || value.form === 'codeWithoutSystem')
        ? sql(`${prefix}source = ?`, `${CONNECTION_SOURCE_PREFIX}${value.code}`)
        : sql('0');
  }
}

function idValueSql(column: string, value: SearchValue): Sql {
  if (value.kind === 'token' && (value.form === 'code' || value.form === 'codeWithoutSystem'))
    return sql(`${column} = ?`, value.code);
  return sql('0');
}

function lastUpdatedSql(column: string, value: SearchValue): Sql {
  if (value.kind !== 'date') return sql('0');
  const from = isoBound(value.low);
  const to = isoBound(value.high);
  switch (value.prefix) {
    case 'eq':
    case 'ap':
      return sql(`${column} >= ? AND ${column} < ?`, from, to);
    case 'ne':
      return sql(`NOT (${column} >= ? AND ${column} < ?)`, from, to);
    case 'gt':
    case 'sa':
      return sql(`${column} >= ?`, to);
    case 'lt':
    case 'eb':
      return sql(`${column} < ?`, from);
    case 'ge':
      return sql(`${column} >= ?`, from);
    case 'le':
      return sql(`${column} < ?`, to);
  }
}

const ISO_MIN = Date.parse('0000-01-01T00:00:00.000Z');
const ISO_MAX = Date.parse('9999-12-31T23:59:59.999Z');

/** Epoch ms as comparable ISO text; beyond the 4-digit years, text below or above every instant. */
function isoBound(ms: number): string {
  if (ms < ISO_MIN) return '';
  if (ms > ISO_MAX) return '~';
  return new Date(ms).toISOString();
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
