import type { Resource, SearchParameter } from 'fhir/r4';
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import { expressionForType, replaceResolveTypeTests } from './fhirpath-expression.ts';
import { parameterSources } from './parameter-sources.ts';
import { referenceTarget } from './references.ts';
import { compileSearchPathWalker, isSingleShortDate } from './search-path-walker.ts';
import type { ParamSource } from './search-query.ts';

/** The search parameter types the gateway indexes and searches (R4 minus composite and special). */
export const SEARCH_PARAM_KINDS = [
  'string',
  'token',
  'date',
  'reference',
  'number',
  'quantity',
  'uri',
] as const;
export type SearchParamKind = (typeof SEARCH_PARAM_KINDS)[number];

/** A value produced by a search parameter expression, with its FHIR type (e.g. `dateTime`, `CodeableConcept`). */
export type TypedValue = { readonly type: string; readonly value: unknown };

export type CompiledSearchParameter = {
  readonly code: string;
  readonly kind: SearchParamKind;
  /** The expression restricted to this resource type, as compiled. */
  readonly expression: string;
  /** Resource types a reference parameter may point to. */
  readonly targets: readonly string[];
  readonly evaluate: (resource: Resource) => TypedValue[];
  /** Whether `evaluate` is a compiled JSON walker (search-path-walker.ts) rather than fhirpath.js. */
  readonly walked: boolean;
  /** A date parameter with at most one entry per resource, at most a year wide (isSingleShortDate). */
  readonly singleShortDate: boolean;
  /** The same expression through fhirpath.js (compiled on first use): the reference for `evaluate`. */
  readonly evaluateWithFhirpath: (resource: Resource) => TypedValue[];
  /** Where stores find its entries (parameter-sources.ts). */
  readonly source: ParamSource;
};

export type TypeSearchParameters = {
  readonly byCode: ReadonlyMap<string, CompiledSearchParameter>;
  /** Parameters R4 defines for the type that we do not support, with the reason (for error messages). */
  readonly unsupported: ReadonlyMap<string, string>;
};

function isSearchParamKind(type: string): type is SearchParamKind {
  return (SEARCH_PARAM_KINDS as readonly string[]).includes(type);
}

function appliesTo(parameter: SearchParameter, resourceType: string): boolean {
  return parameter.base.some(
    (base) => base === resourceType || base === 'Resource' || base === 'DomainResource',
  );
}

/** Compiles, once, every search parameter that applies to `resourceType`. */
export function compileSearchParameters(
  resourceType: string,
  parameters: readonly SearchParameter[],
): TypeSearchParameters {
  const byCode = new Map<string, CompiledSearchParameter>();
  const unsupported = new Map<string, string>();
  for (const parameter of parameters) {
    if (!appliesTo(parameter, resourceType)) continue;
    const { code, type } = parameter;
    if (!isSearchParamKind(type)) {
      unsupported.set(code, `${type} search parameters are not supported`);
      continue;
    }
    const forType = parameter.expression ? expressionForType(parameter.expression, resourceType) : undefined;
    if (forType === undefined) {
      unsupported.set(code, 'the parameter has no FHIRPath expression for this type');
      continue;
    }
    const expression = replaceResolveTypeTests(forType);
    const walker = compileSearchPathWalker(expression, resourceType);
    let viaFhirpath: ((resource: Resource) => TypedValue[]) | undefined;
    const evaluateWithFhirpath = (resource: Resource) => {
      viaFhirpath ??= compileTyped(expression);
      return viaFhirpath(resource);
    };
    byCode.set(code, {
      code,
      kind: type,
      expression,
      targets: parameter.target ?? [],
      evaluate: walker ?? evaluateWithFhirpath,
      walked: walker !== undefined,
      singleShortDate: type === 'date' && isSingleShortDate(expression, resourceType),
      evaluateWithFhirpath,
      source: { from: 'own' },
    });
  }
  const sources = parameterSources([...byCode.values()]);
  for (const [code, compiled] of byCode) {
    const source = sources.get(code) ?? compiled.source;
    byCode.set(code, withSource(compiled, source, byCode));
  }
  return { byCode, unsupported };
}

/**
 * A parameter answered from a reference parameter restricted to one target type is evaluated the
 * same way, so its entries are exactly those its stored counterpart's query finds: references whose
 * parsed type is the target, absolute ones included (what `resolve() is T` means).
 */
function withSource(
  compiled: CompiledSearchParameter,
  source: ParamSource,
  byCode: ReadonlyMap<string, CompiledSearchParameter>,
): CompiledSearchParameter {
  const base =
    source.from === 'params' && source.refType !== null ? byCode.get(source.params[0] ?? '') : undefined;
  if (!base || source.from !== 'params' || source.refType === null) return { ...compiled, source };
  const refType = source.refType;
  const only = (values: TypedValue[]) =>
    values.filter((typed) => {
      const ref = (typed.value as { reference?: unknown } | null)?.reference;
      return typeof ref === 'string' && referenceTarget(ref)?.resourceType === refType;
    });
  return {
    ...compiled,
    source,
    evaluate: (resource) => only(base.evaluate(resource)),
    walked: base.walked,
    evaluateWithFhirpath: (resource) => only(base.evaluateWithFhirpath(resource)),
  };
}

function compileTyped(expression: string): (resource: Resource) => TypedValue[] {
  const compiled = fhirpath.compile(expression, r4Model, { resolveInternalTypes: false });
  return (resource) => {
    const raw = compiled(resource) as unknown[];
    const types = fhirpath.types(raw);
    const values = fhirpath.resolveInternalTypes(raw) as unknown[];
    return values.map((value, i) => ({ type: stripNamespace(types[i] ?? ''), value }));
  };
}

function stripNamespace(type: string): string {
  const dot = type.indexOf('.');
  return dot === -1 ? type : type.slice(dot + 1);
}
