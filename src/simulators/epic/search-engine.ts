import { compileElementPath, type ElementGetter } from './element-path.ts';
import { EpicHttpError } from './epic-outcome.ts';
import type { Resource } from './fhir-types.ts';
import type { ResourceStore } from './resource-store.ts';
import {
  CONTROL_PARAMS,
  PARAM_ALIASES,
  type ResourceSearchRules,
  type SearchParamDef,
} from './search-parameters.ts';
import {
  dateMatcher,
  referencedId,
  referenceMatcher,
  SearchValueError,
  stringMatcher,
  tokenMatcher,
  type ValueMatcher,
} from './search-values.ts';

export type SearchEngine = {
  /** Records matching the query (AND across parameters, OR within a comma list). */
  search(type: string, params: URLSearchParams): Resource[];
};

type CompiledParam = { def: SearchParamDef; getters: ElementGetter[] };

/**
 * Runs Epic-flavoured searches over the store: unknown parameters and modifiers are
 * rejected (4100), missing ones Epic requires answer 4110/4111, and more matches than
 * `maxResults` answer the type's over-limit error instead of a truncated page.
 */
export function createSearchEngine(opts: {
  store: ResourceStore;
  rules: Record<string, ResourceSearchRules>;
  maxResults: number;
}): SearchEngine {
  const compiled = new Map<string, Map<string, CompiledParam>>();
  for (const [type, rules] of Object.entries(opts.rules)) {
    const params = new Map<string, CompiledParam>();
    for (const [name, def] of Object.entries(rules.params)) {
      params.set(name, { def, getters: def.paths.map(compileElementPath) });
    }
    compiled.set(type, params);
  }

  return {
    search(type, query) {
      const rules = opts.rules[type];
      const params = compiled.get(type);
      if (!rules || !params) throw new EpicHttpError('unknown-route', `${type} search is not supported`);

      const filters: { name: string; param: CompiledParam; matchers: ValueMatcher[] }[] = [];
      const present = new Set<string>();
      for (const [rawName, rawValue] of query) {
        if (CONTROL_PARAMS.has(rawName)) continue;
        const [baseName = '', modifier] = rawName.split(':');
        const name = PARAM_ALIASES[baseName] ?? baseName;
        const param = params.get(name);
        if (!param)
          throw new EpicHttpError('4100', `The ${baseName} parameter is not supported for ${type} searches`);
        if (
          modifier !== undefined &&
          !(param.def.type === 'string' && (modifier === 'exact' || modifier === 'contains'))
        )
          throw new EpicHttpError('4100', `The :${modifier} modifier is not supported on ${baseName}`);
        const matchers = rawValue.split(',').map((v) => {
          try {
            return matcherFor(param.def, v.trim(), modifier);
          } catch (err) {
            if (err instanceof SearchValueError)
              throw new EpicHttpError('4100', `Invalid value for the ${baseName} parameter (${err.message})`);
            throw err;
          }
        });
        present.add(name);
        filters.push({ name, param, matchers });
      }

      if (filters.length === 0)
        throw new EpicHttpError('4110', `A ${type} search needs at least one parameter`);
      if (!present.has('_id')) {
        for (const group of rules.required) {
          if (!group.some((p) => present.has(p)))
            throw new EpicHttpError('4111', `A ${type} search requires one of: ${group.join(', ')}`);
        }
      }

      const candidates = candidateRecords(opts.store, type, rules, query);
      const matches: Resource[] = [];
      for (const record of candidates) {
        if (filters.every((f) => f.matchers.some((m) => f.param.getters.some((g) => g(record).some(m))))) {
          matches.push(record);
          if (matches.length > opts.maxResults)
            throw new EpicHttpError(
              rules.overLimitCode,
              `The search matched more than ${opts.maxResults} ${type} records; narrow it down`,
            );
        }
      }
      return matches;
    },
  };
}

function matcherFor(def: SearchParamDef, value: string, modifier: string | undefined): ValueMatcher {
  switch (def.type) {
    case 'id':
      if (value === '') throw new SearchValueError('empty id');
      return (v) => v === value;
    case 'token':
      return tokenMatcher(value);
    case 'string':
      return stringMatcher(value, modifier);
    case 'date':
      return dateMatcher(value);
    case 'reference':
      return referenceMatcher(value, def.target);
  }
}

/** Patient-scoped searches start from the per-patient index; the rest scan the type. */
function candidateRecords(
  store: ResourceStore,
  type: string,
  rules: ResourceSearchRules,
  query: URLSearchParams,
): Iterable<Resource> {
  const ids = rules.patientScoped ? [...query.getAll('patient'), ...query.getAll('subject')] : [];
  if (ids.length === 0) {
    const byId = query.get('_id');
    if (byId !== null)
      return byId
        .split(',')
        .map((id) => store.get(type, id.trim()))
        .filter((r): r is Resource => r !== undefined);
    return store.all(type);
  }
  // AND across repeated patient params still filters afterwards; the index only narrows.
  const first = ids[0] ?? '';
  const seen = new Set<Resource>();
  for (const q of first.split(','))
    for (const r of store.forPatient(type, referencedId(q.trim()))) seen.add(r);
  return seen;
}
