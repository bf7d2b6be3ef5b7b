import type { Resource } from 'fhir/r4';
import type { FhirDefinitions } from '../fhir/definitions.ts';
import { parseSearch } from '../fhir/parse-search.ts';
import { SearchError } from '../fhir/search-error.ts';
import type { SearchQuery } from '../fhir/search-query.ts';
import { CursorError, InvalidSearchError } from '../store/errors.ts';
import type { SearchPage, Store } from '../store/port.ts';
import { fhirGraphQLError } from './errors.ts';

/** FHIR search parameters as GraphQL gives them: code → values (several values mean OR). */
export type SearchArgs = Readonly<Record<string, readonly string[]>>;

/** Escapes FHIR search's `,` and `\` so each GraphQL list item stays one OR-ed value. */
function escapeValue(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll(',', '\\,');
}

/** Builds the store query; a bad parameter or value is a GraphQL error carrying the search's OperationOutcome. */
export function toSearchQuery(
  definitions: FhirDefinitions,
  type: string,
  args: SearchArgs,
  result: { count: number; sort?: string; cursor?: string; total?: boolean },
): SearchQuery {
  const params: Record<string, string | string[]> = {};
  for (const [code, values] of Object.entries(args)) {
    if (values.length > 0) params[code] = values.map(escapeValue).join(',');
  }
  params._count = String(result.count);
  if (result.sort !== undefined) params._sort = result.sort;
  if (result.cursor !== undefined) params._cursor = result.cursor;
  if (result.total) params._total = 'accurate';
  try {
    return parseSearch(definitions, type, params);
  } catch (error) {
    if (error instanceof SearchError)
      throw fhirGraphQLError(error.message, 'invalid', { outcome: error.outcome });
    throw error;
  }
}

/** Runs one store search, turning the store's rejections into GraphQL errors. */
export async function runSearch(
  store: Store,
  tenant: string,
  type: string,
  query: SearchQuery,
): Promise<SearchPage> {
  try {
    return await store.resources.search(tenant, type, query);
  } catch (error) {
    if (error instanceof CursorError) throw fhirGraphQLError(error.message, 'invalid');
    if (error instanceof InvalidSearchError) throw fhirGraphQLError(error.message, 'invalid');
    throw error;
  }
}

export function resourcesOf(page: SearchPage): Resource[] {
  return page.items.map((item) => item.resource);
}
