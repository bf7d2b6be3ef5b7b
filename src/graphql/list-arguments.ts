import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import { fhirGraphQLError } from './errors.ts';

/** Arguments every repeating complex field takes (FHIR GraphQL "list" arguments). */
export type ListArgs = {
  readonly _count?: number | null;
  readonly _offset?: number | null;
  readonly fhirpath?: string | null;
  /** Sub-field filters: `name(use: official)`, `extension(url: "…")`. */
  readonly [subField: string]: unknown;
};

export const RESERVED_LIST_ARGS = new Set(['_count', '_offset', 'fhirpath']);

type Compiled = (item: unknown) => unknown[];

/** Compiles FHIRPath filter expressions once per schema (bounded, oldest dropped first). */
export function createFhirpathCache(limit = 500): (expression: string) => Compiled {
  const cache = new Map<string, Compiled>();
  return (expression) => {
    const hit = cache.get(expression);
    if (hit) return hit;
    let compiled: Compiled;
    try {
      const fn = fhirpath.compile(expression, r4Model);
      compiled = (item) => fn(item as never) as unknown[];
    } catch {
      throw fhirGraphQLError('Invalid fhirpath expression', 'invalid');
    }
    if (cache.size >= limit) cache.delete(cache.keys().next().value as string);
    cache.set(expression, compiled);
    return compiled;
  };
}

/** A FHIRPath filter keeps an item when the expression yields a non-empty result that is not `false`. */
export function fhirpathKeeps(result: readonly unknown[]): boolean {
  return result.length > 0 && !(result.length === 1 && result[0] === false);
}

/** Sub-field filters, then fhirpath, then `_offset` and `_count` (the order the FHIR GraphQL page gives). */
export function applyListArgs(
  items: unknown,
  args: ListArgs,
  compile: (expression: string) => Compiled,
): unknown[] | undefined {
  if (!Array.isArray(items)) return items === undefined || items === null ? undefined : [items];
  let result: unknown[] = items;
  for (const [name, wanted] of Object.entries(args)) {
    if (RESERVED_LIST_ARGS.has(name) || wanted === undefined || wanted === null) continue;
    result = result.filter((item) => {
      const value = (item as Record<string, unknown> | null)?.[name];
      return value !== undefined && value !== null && String(value) === wanted;
    });
  }
  if (args.fhirpath) {
    const evaluate = compile(args.fhirpath);
    result = result.filter((item) => {
      try {
        return fhirpathKeeps(evaluate(item));
      } catch {
        throw fhirGraphQLError('The fhirpath expression failed on an element', 'processing');
      }
    });
  }
  const offset = args._offset ?? 0;
  if (offset < 0) throw fhirGraphQLError('_offset must not be negative', 'invalid');
  if (args._count !== undefined && args._count !== null && args._count < 0)
    throw fhirGraphQLError('_count must not be negative', 'invalid');
  const end = args._count === undefined || args._count === null ? undefined : offset + args._count;
  return offset === 0 && end === undefined ? result : result.slice(offset, end);
}
