import fhirpath, { type UserInvocationTable } from 'fhirpath';
import { gatewayId } from '../fhir/identity.ts';
import { type ConnectionScope, gatewayReference } from '../fhir/references.ts';
import { isBlank } from './blank.ts';
import type { ConceptTranslator } from './concept-translator.ts';
import type { DateTimeNormalizer } from './date-time.ts';
import type { MappingFunction } from './fast-expression.ts';
import { MappingFailure, RUN_STATE, type RunState, type TemplateVars } from './run-state.ts';

/** The functions mapping expressions may call besides standard FHIRPath (docs/mapping-format.md). */
export const MAPPING_FUNCTION_NAMES = [
  'translate',
  'translateCoding',
  'translateReverse',
  'ref',
  'gatewayId',
  'connectionSystem',
  'currency',
  'dateOnly',
  'instant',
  'nativeId',
  'entries',
] as const;

/** Functions whose first argument is a ConceptMap id (checked at load). */
export const TRANSLATE_FUNCTION_NAMES = ['translate', 'translateCoding', 'translateReverse'] as const;

export type MappingFunctionDependencies = {
  readonly translator: ConceptTranslator;
  readonly dates: DateTimeNormalizer;
};

/** What fhirpath.js binds `this` to when it calls a user function. */
type EvaluationContext = { vars: TemplateVars };

/**
 * The mapping functions as plain bodies over JSON values: `String` parameters arrive as a string,
 * `Any` parameters as a collection (array). fhirpath.js calls them through the invocation table
 * (mappingInvocationTable) and the fast path (fast-expression.ts) calls them directly, so both give
 * identical results.
 */
export function createMappingFunctions(deps: MappingFunctionDependencies): Record<string, MappingFunction> {
  const { translator, dates } = deps;

  /** Applies `map` to every item of a collection argument, dropping empty answers. */
  const each = <T>(collection: unknown, map: (item: unknown) => T | undefined): T[] => {
    const out: T[] = [];
    if (!Array.isArray(collection)) {
      const value = map(collection);
      if (value !== undefined) out.push(value);
      return out;
    }
    for (const item of collection) {
      const value = map(item);
      if (value !== undefined) out.push(value);
    }
    return out;
  };

  return {
    translate: {
      arity: { 2: ['String', 'Any'] },
      body: (state, mapId, codes) =>
        each(codes, (code) => translator.translate(mapId as string, code, state)),
    },
    translateCoding: {
      arity: { 2: ['String', 'Any'] },
      body: (state, mapId, codes) =>
        each(codes, (code) => translator.translateCoding(mapId as string, code, state)),
    },
    translateReverse: {
      arity: { 2: ['String', 'Any'] },
      body: (state, mapId, codes) =>
        each(codes, (code) => translator.translateReverse(mapId as string, code, state)),
    },
    ref: {
      arity: { 3: ['String', 'String', 'Any'] },
      body: (state, resourceType, sourceType, nativeIds) =>
        each(nativeIds, (nativeId) => {
          const text = nativeIdText(nativeId, 'ref', state);
          if (text === undefined) return undefined;
          return identity(state, 'ref', () =>
            gatewayReference(scopeOf(state, 'ref'), {
              resourceType: resourceType as string,
              sourceType: sourceType as string,
              nativeId: text,
            }),
          );
        }),
    },
    gatewayId: {
      arity: { 2: ['String', 'Any'] },
      body: (state, sourceType, nativeIds) =>
        each(nativeIds, (nativeId) => {
          const text = nativeIdText(nativeId, 'gatewayId', state);
          if (text === undefined) return undefined;
          return identity(state, 'gatewayId', () =>
            gatewayId({ ...scopeOf(state, 'gatewayId'), sourceType: sourceType as string, nativeId: text }),
          );
        }),
    },
    connectionSystem: {
      // A per-connection identifier system for a source's own identifiers (DrChrono chart ids, Jane
      // patient numbers): unique within one practice / clinic only, like the native ids.
      arity: { 1: ['String'] },
      body: (state, name) => {
        const scope = scopeOf(state, 'connectionSystem');
        if (typeof name !== 'string' || !/^[a-z0-9-]{1,64}$/.test(name)) {
          throw new MappingFailure(
            'connectionSystem: the name must be lowercase letters, digits and -',
            state.path,
          );
        }
        return [`urn:fhir-gateway:sid:${scope.source}:${scope.connectionId}:${name}`];
      },
    },
    currency: {
      arity: { 0: [] },
      body: (state) => (state.currency ? [state.currency] : []),
    },
    dateOnly: {
      arity: { 1: ['Any'] },
      body: (state, texts) => each(texts, (text) => dates.dateOnly(text, state.path)),
    },
    instant: {
      arity: { 1: ['Any'], 2: ['Any', 'String'] },
      body: (state, texts, zone) =>
        // No zone argument: the connection's zone (ForwardOptions.timeZone), else UTC.
        each(texts, (text) =>
          dates.instant(text, (zone as string | undefined) ?? state.timeZone, state.path),
        ),
    },
    entries: {
      arity: { 1: ['Any'] },
      body: (_state, objects) => {
        // `{key, value}` per property with a value, in the object's order: lets `each`/`$each`
        // iterate over a native object whose keys are data (DrChrono vitals).
        const out: Array<{ key: string; value: unknown }> = [];
        for (const object of Array.isArray(objects) ? objects : [objects]) {
          if (typeof object !== 'object' || object === null || Array.isArray(object)) continue;
          for (const [key, value] of Object.entries(object)) {
            if (value !== null && value !== undefined && !isBlank(value)) out.push({ key, value });
          }
        }
        return out;
      },
    },
    nativeId: {
      arity: { 1: ['Any'] },
      body: (state, references) => each(references, (reference) => resolveNativeId(reference, state)),
    },
  };
}

/**
 * `nativeId(reference)` in reverse templates: the native id behind a gateway reference, from the
 * resolver the caller of reverse() passes. Anything that cannot be resolved fails the reverse run
 * (a write payload without its patient or doctor is worse than no write); messages name the
 * template path only, never the reference.
 */
function resolveNativeId(reference: unknown, state: RunState): string | number | undefined {
  const literal =
    typeof reference === 'string'
      ? reference
      : typeof reference === 'object' && reference !== null
        ? (reference as { reference?: unknown }).reference
        : undefined;
  if (typeof literal !== 'string' || isBlank(literal)) {
    throw new MappingFailure('nativeId: the value is not a reference with a literal reference', state.path);
  }
  if (!state.resolveNativeId) {
    throw new MappingFailure(
      'nativeId() needs a native-id resolver: reverse() was called without one',
      state.path,
    );
  }
  const found = state.resolveNativeId(literal);
  if (
    typeof found === 'number' ? !Number.isSafeInteger(found) : typeof found !== 'string' || isBlank(found)
  ) {
    throw new MappingFailure('nativeId: the reference cannot be resolved to a native id', state.path);
  }
  return found;
}

/**
 * The FHIRPath user invocation table. `internalStructures` makes fhirpath.js call each function
 * with the evaluation context as `this`, which is how a function reaches the run state (scope,
 * warnings) without any shared mutable state between runs.
 */
export function mappingInvocationTable(functions: Record<string, MappingFunction>): UserInvocationTable {
  const table: UserInvocationTable = {};
  for (const [name, { arity, body }] of Object.entries(functions)) {
    table[name] = {
      internalStructures: true,
      arity: arity as UserInvocationTable[string]['arity'],
      fn(this: EvaluationContext, _focus: unknown, ...args: unknown[]) {
        return body(this.vars[RUN_STATE], ...args.map(values));
      },
    };
  }
  return table;
}

/**
 * fhirpath.js passes collections of internal nodes (numbers arrive as FP_Decimal); functions work on
 * plain JSON values.
 */
function values(arg: unknown): unknown {
  return fhirpath.resolveInternalTypes(arg);
}

/**
 * Native ids are strings or integers (DrChrono ids are numbers); integers are written in decimal. A
 * blank string is no id (native APIs send `""` for "none"): no reference.
 */
function nativeIdText(value: unknown, fn: string, state: RunState): string | undefined {
  if (typeof value === 'string') return isBlank(value) ? undefined : value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  throw new MappingFailure(`${fn}: the native id must be a string or an integer`, state.path);
}

/** Native payloads (reverse templates) never hold gateway ids, so there is no scope to build them in. */
function scopeOf(state: RunState, fn: string): ConnectionScope {
  if (!state.scope) throw new MappingFailure(`${fn}() is not available in reverse templates`, state.path);
  return state.scope;
}

/** Identity errors name the offending field; they become record failures, not crashes. */
function identity<T>(state: RunState, fn: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof MappingFailure) throw error;
    throw new MappingFailure(`${fn}: ${(error as Error).message}`, state.path);
  }
}
