import type { CodeSystem, CodeSystemConcept, ValueSet, ValueSetComposeInclude } from 'fhir/r4';

/** The codes of an expanded value set, keyed both as `system|code` and as bare code. */
export type CodeSet = {
  readonly systemCodes: ReadonlySet<string>;
  readonly codes: ReadonlySet<string>;
};

export type ValueSetExpansions = {
  /** Canonical URL (without `|version`) → expanded codes. */
  readonly byUrl: ReadonlyMap<string, CodeSet>;
  /** Value sets we could not expand locally (external code systems such as ISO 4217, filters); not checked. */
  readonly unexpandable: readonly string[];
};

export function canonicalWithoutVersion(url: string): string {
  const bar = url.indexOf('|');
  return bar === -1 ? url : url.slice(0, bar);
}

/**
 * Expands the given value sets from the terminology resources shipped with the definitions.
 * Only what a required-binding check needs: enumerated concepts, whole complete code systems,
 * nested value sets and excludes. Anything else (filters, external systems) makes the value set
 * "unexpandable" so callers skip it instead of rejecting valid codes.
 */
export function expandValueSets(
  urls: Iterable<string>,
  terminology: readonly (ValueSet | CodeSystem)[],
): ValueSetExpansions {
  const valueSets = new Map<string, ValueSet>();
  const codeSystems = new Map<string, CodeSystem>();
  for (const resource of terminology) {
    if (!resource.url) continue;
    if (resource.resourceType === 'ValueSet') valueSets.set(resource.url, resource);
    else codeSystems.set(resource.url, resource);
  }
  const byUrl = new Map<string, CodeSet>();
  const unexpandable: string[] = [];
  for (const rawUrl of urls) {
    const url = canonicalWithoutVersion(rawUrl);
    if (byUrl.has(url) || unexpandable.includes(url)) continue;
    const pairs = expandOne(url, valueSets, codeSystems, new Set());
    if (pairs === undefined) {
      unexpandable.push(url);
      continue;
    }
    byUrl.set(url, {
      systemCodes: new Set(pairs.map(([system, code]) => `${system}|${code}`)),
      codes: new Set(pairs.map(([, code]) => code)),
    });
  }
  return { byUrl, unexpandable };
}

type SystemCode = readonly [system: string, code: string];

function expandOne(
  url: string,
  valueSets: ReadonlyMap<string, ValueSet>,
  codeSystems: ReadonlyMap<string, CodeSystem>,
  visiting: Set<string>,
): SystemCode[] | undefined {
  const valueSet = valueSets.get(url);
  if (!valueSet?.compose || visiting.has(url)) return undefined;
  visiting.add(url);
  const included: SystemCode[] = [];
  for (const include of valueSet.compose.include) {
    const codes = expandInclude(include, valueSets, codeSystems, visiting);
    if (codes === undefined) return undefined;
    included.push(...codes);
  }
  const excluded = new Set<string>();
  for (const exclude of valueSet.compose.exclude ?? []) {
    const codes = expandInclude(exclude, valueSets, codeSystems, visiting);
    if (codes === undefined) return undefined;
    for (const [system, code] of codes) excluded.add(`${system}|${code}`);
  }
  visiting.delete(url);
  return included.filter(([system, code]) => !excluded.has(`${system}|${code}`));
}

function expandInclude(
  include: ValueSetComposeInclude,
  valueSets: ReadonlyMap<string, ValueSet>,
  codeSystems: ReadonlyMap<string, CodeSystem>,
  visiting: Set<string>,
): SystemCode[] | undefined {
  if (include.filter?.length) return undefined;
  const fromValueSets: SystemCode[] = [];
  for (const nested of include.valueSet ?? []) {
    const codes = expandOne(canonicalWithoutVersion(nested), valueSets, codeSystems, visiting);
    if (codes === undefined) return undefined;
    fromValueSets.push(...codes);
  }
  if (!include.system) return fromValueSets;
  const system = include.system;
  let codes: SystemCode[];
  if (include.concept?.length) {
    codes = include.concept.map((concept) => [system, concept.code] as const);
  } else {
    const codeSystem = codeSystems.get(system);
    if (codeSystem?.content !== 'complete') return undefined;
    codes = flattenConcepts(codeSystem.concept ?? []).map((code) => [system, code] as const);
  }
  // A value set named alongside a system restricts it (intersection), per the ValueSet rules.
  if (include.valueSet?.length) {
    const allowed = new Set(fromValueSets.map(([s, c]) => `${s}|${c}`));
    return codes.filter(([s, c]) => allowed.has(`${s}|${c}`));
  }
  return codes;
}

function flattenConcepts(concepts: readonly CodeSystemConcept[]): string[] {
  return concepts.flatMap((concept) => [concept.code, ...flattenConcepts(concept.concept ?? [])]);
}
