import { DATE_MAX, DATE_MIN, parseDateRange } from './date-range.ts';
import { parseDecimalRange } from './decimal-range.ts';
import type { FhirDefinitions } from './definitions.ts';
import { FHIR_ID_PATTERN } from './resource-id-check.ts';
import { SearchError, type SearchProblem } from './search-error.ts';
import type { CompiledSearchParameter, SearchParamKind } from './search-parameters.ts';
import {
  type DateValue,
  type MatchClause,
  type ParamSource,
  PREFIXES,
  type Prefix,
  type QuantityValue,
  type SearchClause,
  type SearchQuery,
  type SearchValue,
  type SortKey,
} from './search-query.ts';
import { normalizeSearchText } from './search-text.ts';
import { splitUnescaped, unescapeValue } from './search-values.ts';

/**
 * What one search may ask (docs/search.md). Over a limit is a SearchError (`too-costly`), never a
 * silent truncation: these keep every query the parser accepts within what both stores run
 * quickly (SQLite's expression depth and bound-parameter limits, the event loop).
 */
export const SEARCH_LIMITS = {
  defaultCount: 20,
  maxCount: 1000,
  /** Filter parameters in one search (each an AND-ed clause; repeats count). */
  maxParameters: 50,
  /** OR-ed values in one parameter (`a,b,c`). */
  maxValuesPerParameter: 100,
  /** Values over all the filter parameters of one search. */
  maxValuesPerSearch: 500,
  /** Characters of one value as sent (URL-decoded, escapes included), for every parameter kind. */
  maxValueLength: 256,
  /** `:above` matches every prefix of its value: prefixes (value length + 1) over the whole search. */
  maxAbovePrefixes: 2048,
  /** `_sort` keys. */
  maxSortKeys: 8,
  /** Characters of a parameter name with its modifier (never echoed when over). */
  maxNameLength: 128,
} as const;

export type ParseSearchOptions = {
  /** "Now" for `ap` date tolerance, in epoch ms; defaults to the current time. */
  readonly now?: number;
};

export type SearchParams = URLSearchParams | Readonly<Record<string, string | readonly string[]>>;

/** Parameters that shape the result rather than filter it. */
const RESULT_PARAMETERS = ['_sort', '_count', '_total', '_cursor'] as const;
const TOTAL_MODES = ['accurate', 'none', 'estimate'] as const;

/** Modifiers accepted per kind ('' = none); reference type modifiers are checked separately. */
const MODIFIERS: Readonly<Record<SearchParamKind, readonly string[]>> = {
  string: ['', 'exact', 'contains'],
  token: ['', 'not', 'text'],
  date: [''],
  reference: [''],
  number: [''],
  quantity: [''],
  uri: ['', 'below', 'above'],
};

/** Thrown inside value parsing and collected per parameter. */
class ValueProblem extends Error {}

/** A value problem that is a limit (SEARCH_LIMITS): reported as `too-costly`. */
class LimitProblem extends ValueProblem {}

/**
 * Parses a FHIR search request for one resource type into a SearchQuery. Rejects anything it does
 * not understand with a SearchError listing every problem; messages name parameters, never values.
 */
export function parseSearch(
  defs: FhirDefinitions,
  resourceType: string,
  params: SearchParams,
  options: ParseSearchOptions = {},
): SearchQuery {
  const parameters = defs.searchParameters.get(resourceType);
  if (!parameters) {
    throw new SearchError([
      { param: resourceType, code: 'not-supported', message: `Resource type is not searchable` },
    ]);
  }
  const now = options.now ?? Date.now();
  const problems: SearchProblem[] = [];
  const clauses: SearchClause[] = [];
  const result = new Map<string, string>();
  const pairs = toPairs(params);
  checkSize(pairs);
  const budget = { values: 0, abovePrefixes: 0 };

  for (const [rawName, rawValue] of pairs) {
    if ((RESULT_PARAMETERS as readonly string[]).includes(rawName)) {
      if (result.has(rawName))
        problems.push({ param: rawName, code: 'invalid', message: `${rawName} may be given only once` });
      result.set(rawName, rawValue);
      continue;
    }
    const [code = '', modifier = '', ...extra] = rawName.split(':');
    const parameter = parameters.byCode.get(code);
    if (code.includes('.') || extra.length > 0) {
      problems.push({
        param: rawName,
        code: 'not-supported',
        message: `Chained search is not supported (${rawName})`,
      });
    } else if (!parameter) {
      const reason = parameters.unsupported.get(code);
      problems.push(
        reason === undefined
          ? {
              param: rawName,
              code: 'invalid',
              message: `Unknown search parameter ${code} for ${resourceType}. Valid parameters: ${validNames(parameters.byCode.keys())}`,
            }
          : {
              param: rawName,
              code: 'not-supported',
              message: `Search parameter ${code} is not supported: ${reason}`,
            },
      );
    } else {
      try {
        clauses.push(parseClause(parameter, modifier, rawValue, now, budget));
      } catch (error) {
        if (!(error instanceof ValueProblem)) throw error;
        const code = error instanceof LimitProblem ? 'too-costly' : 'value';
        problems.push({ param: rawName, code, message: `${rawName}: ${error.message}` });
      }
    }
  }

  const sort = parseSort(result.get('_sort'), parameters.byCode, problems);
  const count = parseCount(result.get('_count'), problems);
  const total = parseTotal(result.get('_total'), problems);
  if (problems.length > 0) throw new SearchError(problems);
  return { resourceType, clauses, sort, count, total, cursor: result.get('_cursor') ?? null };
}

function toPairs(params: SearchParams): [string, string][] {
  if (params instanceof URLSearchParams) return [...params.entries()];
  return Object.entries(params).flatMap(([name, value]) =>
    typeof value === 'string'
      ? [[name, value] as [string, string]]
      : value.map((v) => [name, v] as [string, string]),
  );
}

/**
 * Refuses, before parsing anything, a search over the parameter count or with an overlong
 * name: one problem, not one per parameter, and names are not echoed.
 */
function checkSize(pairs: readonly [string, string][]): void {
  const filters = pairs.filter(([name]) => !(RESULT_PARAMETERS as readonly string[]).includes(name));
  const tooLong = pairs.find(([name]) => name.length > SEARCH_LIMITS.maxNameLength);
  if (tooLong) {
    throw new SearchError([
      {
        param: tooLong[0].slice(0, 32),
        code: 'too-costly',
        message: `a parameter name is longer than ${SEARCH_LIMITS.maxNameLength} characters`,
      },
    ]);
  }
  if (filters.length > SEARCH_LIMITS.maxParameters) {
    throw new SearchError([
      {
        param: '(search)',
        code: 'too-costly',
        message: `a search takes at most ${SEARCH_LIMITS.maxParameters} filter parameters (got ${filters.length})`,
      },
    ]);
  }
}

function validNames(names: Iterable<string>): string {
  return [...names, ...RESULT_PARAMETERS].sort().join(', ');
}

/** Values and `:above` prefixes counted so far over the whole search. */
type Budget = { values: number; abovePrefixes: number };

function parseClause(
  parameter: CompiledSearchParameter,
  modifier: string,
  raw: string,
  now: number,
  budget: Budget,
): SearchClause {
  const { code: param, kind } = parameter;
  if (modifier === 'missing') {
    if (raw !== 'true' && raw !== 'false') throw new ValueProblem(':missing takes true or false');
    return { op: 'missing', param, kind, missing: raw === 'true', ...sourceOf(parameter) };
  }
  const referenceType =
    kind === 'reference' && modifier !== '' ? checkTypeModifier(parameter, modifier) : undefined;
  if (referenceType === undefined && !MODIFIERS[kind].includes(modifier)) {
    throw new ValueProblem(`modifier :${modifier} is not supported for ${kind} parameters`);
  }
  const { maxValuesPerParameter, maxValueLength } = SEARCH_LIMITS;
  // Checked before splitting, so a megabyte of value costs no more than this comparison.
  if (raw.length > maxValuesPerParameter * (maxValueLength + 1))
    throw new LimitProblem(`at most ${maxValuesPerParameter} values of ${maxValueLength} characters each`);
  const parts = splitUnescaped(raw, ',');
  if (parts.some((part) => part.length === 0)) throw new ValueProblem('empty value');
  if (parts.length > maxValuesPerParameter)
    throw new LimitProblem(`at most ${maxValuesPerParameter} values (got ${parts.length})`);
  if (parts.some((part) => part.length > maxValueLength))
    throw new LimitProblem(`a value is longer than ${maxValueLength} characters`);
  budget.values += parts.length;
  if (budget.values > SEARCH_LIMITS.maxValuesPerSearch)
    throw new LimitProblem(
      `a search takes at most ${SEARCH_LIMITS.maxValuesPerSearch} values over all parameters`,
    );
  if (modifier === 'above') {
    budget.abovePrefixes += parts.reduce((sum, part) => sum + part.length + 1, 0);
    if (budget.abovePrefixes > SEARCH_LIMITS.maxAbovePrefixes)
      throw new LimitProblem(
        `:above values may total at most ${SEARCH_LIMITS.maxAbovePrefixes - 1} characters over a search`,
      );
  }
  const values = parts.map((part) => parseValue(parameter, modifier, referenceType, part, now));
  const clause: MatchClause = { op: 'match', param, kind, negate: modifier === 'not', values };
  if (parameter.source.from !== 'own') return { ...clause, source: parameter.source };
  return parameter.singleShortDate ? { ...clause, singleShortDate: true } : clause;
}

/** The clause or sort key's `source`, given only when it is not the parameter's own entries. */
function sourceOf(parameter: CompiledSearchParameter): { source?: ParamSource } {
  return parameter.source.from === 'own' ? {} : { source: parameter.source };
}

function checkTypeModifier(parameter: CompiledSearchParameter, modifier: string): string | undefined {
  if (!/^[A-Z][A-Za-z]+$/.test(modifier)) return undefined;
  if (parameter.targets.length > 0 && !parameter.targets.includes(modifier)) {
    throw new ValueProblem(
      `type modifier :${modifier} is not a target; allowed: ${parameter.targets.join(', ')}`,
    );
  }
  return modifier;
}

function parseValue(
  parameter: CompiledSearchParameter,
  modifier: string,
  referenceType: string | undefined,
  raw: string,
  now: number,
): SearchValue {
  switch (parameter.kind) {
    case 'string': {
      const text = unescapeValue(raw);
      if (modifier === 'exact') return { kind: 'string', match: 'exact', value: text };
      return {
        kind: 'string',
        match: modifier === 'contains' ? 'contains' : 'prefix',
        value: normalizedText(text),
      };
    }
    case 'token':
      return modifier === 'text'
        ? { kind: 'token-text', text: normalizedText(unescapeValue(raw)) }
        : parseToken(raw);
    case 'date':
      return parseDateValue(raw, now);
    case 'number': {
      const { prefix, rest } = splitPrefix(raw);
      return { kind: 'number', prefix, ...requireDecimal(rest) };
    }
    case 'quantity':
      return parseQuantity(raw);
    case 'reference':
      return parseReference(parameter, referenceType, unescapeValue(raw));
    case 'uri':
      return {
        kind: 'uri',
        match: modifier === 'below' || modifier === 'above' ? modifier : 'exact',
        value: unescapeValue(raw),
      };
  }
}

/** Text compared in normal form; a value with nothing left (spaces, combining marks) would match everything. */
function normalizedText(text: string): string {
  const normal = normalizeSearchText(text);
  if (normal === '') throw new ValueProblem('empty value once spaces and accents are removed');
  return normal;
}

function parseToken(raw: string): SearchValue {
  const parts = splitUnescaped(raw, '|');
  if (parts.length > 2) throw new ValueProblem('a token is code, system|code, |code or system|');
  const [first = '', second] = parts.map(unescapeValue);
  if (second === undefined) return { kind: 'token', form: 'code', code: first };
  if (first === '' && second === '') throw new ValueProblem('a token needs a system or a code');
  if (first === '') return { kind: 'token', form: 'codeWithoutSystem', code: second };
  if (second === '') return { kind: 'token', form: 'system', system: first };
  return { kind: 'token', form: 'systemAndCode', system: first, code: second };
}

function splitPrefix(raw: string): { prefix: Prefix; rest: string } {
  const letters = /^[a-z]{2}/.exec(raw)?.[0];
  if (letters === undefined) return { prefix: 'eq', rest: raw };
  if (!(PREFIXES as readonly string[]).includes(letters)) {
    throw new ValueProblem(`unknown prefix; use one of ${PREFIXES.join(', ')}`);
  }
  return { prefix: letters as Prefix, rest: raw.slice(2) };
}

function parseDateValue(raw: string, now: number): DateValue {
  const { prefix, rest } = splitPrefix(raw);
  const range = parseDateRange(rest);
  if (!range) throw new ValueProblem('malformed date; expected YYYY[-MM[-DD[Thh:mm[:ss[.fff]][Z|±hh:mm]]]]');
  if (prefix !== 'ap') return { kind: 'date', prefix, low: range.low, high: range.high };
  // "Approximately": 10% of the distance to now either side, as the FHIR spec suggests.
  const tolerance = Math.abs(now - range.low) * 0.1;
  return {
    kind: 'date',
    prefix,
    low: Math.max(DATE_MIN, range.low - tolerance),
    high: Math.min(DATE_MAX, range.high + tolerance),
  };
}

function requireDecimal(text: string): { value: number; low: number; high: number } {
  const range = parseDecimalRange(text);
  if (!range) throw new ValueProblem('malformed number');
  return range;
}

function parseQuantity(raw: string): QuantityValue {
  const parts = splitUnescaped(raw, '|');
  if (parts.length !== 1 && parts.length !== 3)
    throw new ValueProblem('a quantity is number, or number|system|code');
  const [number = '', system = '', code = ''] = parts.map(unescapeValue);
  const { prefix, rest } = splitPrefix(number);
  return {
    kind: 'quantity',
    prefix,
    ...requireDecimal(rest),
    system: system === '' ? null : system,
    code: code === '' ? null : code,
  };
}

function parseReference(
  parameter: CompiledSearchParameter,
  typeModifier: string | undefined,
  text: string,
): SearchValue {
  if (/^[a-z][a-z0-9+.-]*:/.test(text)) return { kind: 'reference', form: 'url', url: text };
  const slash = text.split('/');
  if (slash.length === 2 || slash.length === 4) {
    const [type = '', id = ''] = slash;
    if (slash.length === 4 && slash[2] !== '_history') throw new ValueProblem('malformed reference');
    if (!/^[A-Z][A-Za-z]+$/.test(type) || !FHIR_ID_PATTERN.test(id))
      throw new ValueProblem('malformed reference');
    if (parameter.targets.length > 0 && !parameter.targets.includes(type)) {
      throw new ValueProblem(`reference type is not a target; allowed: ${parameter.targets.join(', ')}`);
    }
    if (typeModifier !== undefined && typeModifier !== type)
      throw new ValueProblem('reference type contradicts the modifier');
    return { kind: 'reference', form: 'typed', type, id };
  }
  if (slash.length !== 1 || !FHIR_ID_PATTERN.test(text)) throw new ValueProblem('malformed reference');
  const onlyTarget = parameter.targets.length === 1 ? parameter.targets[0] : undefined;
  const type = typeModifier ?? onlyTarget;
  return type === undefined
    ? { kind: 'reference', form: 'id', id: text }
    : { kind: 'reference', form: 'typed', type, id: text };
}

function parseSort(
  raw: string | undefined,
  byCode: ReadonlyMap<string, CompiledSearchParameter>,
  problems: SearchProblem[],
): SortKey[] {
  if (raw === undefined) return [];
  const keys: SortKey[] = [];
  const items = raw.split(',');
  if (
    items.length > SEARCH_LIMITS.maxSortKeys ||
    raw.length > SEARCH_LIMITS.maxSortKeys * SEARCH_LIMITS.maxNameLength
  ) {
    problems.push({
      param: '_sort',
      code: 'too-costly',
      message: `_sort takes at most ${SEARCH_LIMITS.maxSortKeys} keys`,
    });
    return keys;
  }
  for (const item of items) {
    const descending = item.startsWith('-');
    const code = descending ? item.slice(1) : item;
    const parameter = byCode.get(code);
    if (!parameter) {
      problems.push({
        param: '_sort',
        code: 'invalid',
        message: `_sort: unknown parameter ${code || '(empty)'}`,
      });
      continue;
    }
    keys.push({ param: code, kind: parameter.kind, descending, ...sourceOf(parameter) });
  }
  return keys;
}

function parseCount(raw: string | undefined, problems: SearchProblem[]): number {
  if (raw === undefined) return SEARCH_LIMITS.defaultCount;
  const count = /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (Number.isNaN(count)) {
    problems.push({ param: '_count', code: 'value', message: '_count must be a whole number' });
  } else if (count > SEARCH_LIMITS.maxCount) {
    problems.push({
      param: '_count',
      code: 'too-costly',
      message: `_count must be at most ${SEARCH_LIMITS.maxCount}`,
    });
  }
  return count;
}

function parseTotal(raw: string | undefined, problems: SearchProblem[]): SearchQuery['total'] {
  if (raw === undefined) return 'none';
  if ((TOTAL_MODES as readonly string[]).includes(raw)) return raw as SearchQuery['total'];
  problems.push({
    param: '_total',
    code: 'value',
    message: `_total must be one of ${TOTAL_MODES.join(', ')}`,
  });
  return 'none';
}
