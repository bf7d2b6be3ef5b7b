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

export const SEARCH_LIMITS = { defaultCount: 20, maxCount: 1000 } as const;

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

  for (const [rawName, rawValue] of toPairs(params)) {
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
        clauses.push(parseClause(parameter, modifier, rawValue, now));
      } catch (error) {
        if (!(error instanceof ValueProblem)) throw error;
        problems.push({ param: rawName, code: 'value', message: `${rawName}: ${error.message}` });
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

function validNames(names: Iterable<string>): string {
  return [...names, ...RESULT_PARAMETERS].sort().join(', ');
}

function parseClause(
  parameter: CompiledSearchParameter,
  modifier: string,
  raw: string,
  now: number,
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
  const parts = splitUnescaped(raw, ',');
  if (parts.some((part) => part.length === 0)) throw new ValueProblem('empty value');
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
        value: normalizeSearchText(text),
      };
    }
    case 'token':
      return modifier === 'text'
        ? { kind: 'token-text', text: normalizeSearchText(unescapeValue(raw)) }
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
  for (const item of raw.split(',')) {
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
