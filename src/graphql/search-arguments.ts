import type { FhirDefinitions } from '../fhir/definitions.ts';
import type { SearchArgs } from './search-request.ts';

/** Arguments the list and connection fields take besides search parameters. */
export const RESULT_ARGS = new Set([
  '_count',
  '_sort',
  '_cursor',
  'cursor',
  'fhirpath',
  '_reference',
  '_offset',
]);

const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** Per resource type: GraphQL argument name (`-` → `_`, e.g. `general_practitioner`) → FHIR search code. */
export type SearchArgNames = ReadonlyMap<string, ReadonlyMap<string, string>>;

export function searchArgumentNames(definitions: FhirDefinitions): SearchArgNames {
  const result = new Map<string, Map<string, string>>();
  for (const type of definitions.resourceTypes) {
    const names = new Map<string, string>();
    for (const code of definitions.searchParameters.get(type)?.byCode.keys() ?? []) {
      const name = code.replaceAll('-', '_');
      if (GRAPHQL_NAME.test(name) && !name.startsWith('__') && !RESULT_ARGS.has(name)) names.set(name, code);
    }
    result.set(type, new Map([...names].sort(([a], [b]) => a.localeCompare(b))));
  }
  return result;
}

/** The search parameters given in a field's arguments, by FHIR code. */
export function searchArgsFrom(
  names: ReadonlyMap<string, string>,
  args: Readonly<Record<string, unknown>>,
): SearchArgs {
  const result: Record<string, string[]> = {};
  for (const [name, code] of names) {
    const value = args[name];
    if (value === undefined || value === null) continue;
    result[code] = Array.isArray(value) ? (value as string[]) : [value as string];
  }
  return result;
}
