import type { Reference, Resource } from 'fhir/r4';
import type { FhirDefinitions } from '../fhir/definitions.ts';
import { SEARCH_LIMITS } from '../fhir/parse-search.ts';
import { referenceTarget } from '../fhir/references.ts';
import type { GatewayBuilder, Json } from './builder.ts';
import type { GatewayContext } from './context.ts';
import { fhirGraphQLError } from './errors.ts';
import type { FhirModel, FieldModel, ObjectModel } from './fhir-model.ts';
import { applyListArgs, type createFhirpathCache, fhirpathKeeps, type ListArgs } from './list-arguments.ts';
import { gatewayProvenance } from './provenance-field.ts';
import { PRIMITIVE_SCALARS } from './scalars.ts';
import { type SearchArgNames, searchArgsFrom } from './search-arguments.ts';

/** Field extension on repeating elements of a resource: read with it, not searched (the cost budget prices them once). */
export const ELEMENT_LIST_EXTENSION = 'fhirElementList';

const INTERFACE_FIELDS = new Set(['id', 'meta', 'implicitRules', 'language']);

export type TypeBuildDeps = {
  readonly model: FhirModel;
  readonly definitions: FhirDefinitions;
  readonly scalars: ReadonlySet<string>;
  readonly searchArgs: SearchArgNames;
  readonly compileFhirpath: ReturnType<typeof createFhirpathCache>;
};

// Pothos types its refs statically; this schema is generated from data, so refs are handled as one shape.
// biome-ignore lint/suspicious/noExplicitAny: refs of generated types have no static shape
export type AnyRef = any;

export type GeneratedTypes = {
  readonly objects: ReadonlyMap<string, AnyRef>;
  readonly resourceInterface: AnyRef;
  readonly resourceTypeEnum: AnyRef;
};

/** Every object type of the model, the `Resource` union, `ResourceType`, and the gateway's provenance type. */
export function addObjectTypes(builder: GatewayBuilder, deps: TypeBuildDeps): GeneratedTypes {
  const { model } = deps;
  const objects = new Map<string, AnyRef>();
  for (const name of model.objects.keys()) objects.set(name, builder.objectRef<Json>(name));

  const provenance = addProvenanceType(builder);
  // An interface rather than a union: the fields every resource has (id, meta…) are selectable
  // without a fragment, and `... on Patient` works exactly as on a union.
  const resourceInterface = builder.interfaceRef<Json>('Resource').implement({
    description:
      'Any resource type the gateway serves: the fields all of them share; `... on Type` for the rest.',
    resolveType: (value: Json) => value.resourceType as string,
    fields: (t) => ({
      id: t.field({ type: 'ID', resolve: (parent) => parent.id as string }),
      meta: t.field({ type: objects.get('Meta'), resolve: (parent) => parent.meta as never }),
      implicitRules: t.string({ resolve: (parent) => parent.implicitRules as string }),
      language: t.string({ resolve: (parent) => parent.language as string }),
      resourceType: t.string({ resolve: (parent) => parent.resourceType as string }),
      gatewayProvenance: t.field({
        type: provenance,
        description:
          'Gateway extension: where this resource came from (source system, connection, native id, last sync).',
        resolve: (parent) => gatewayProvenance(parent as unknown as Resource) as never,
      }),
    }),
  });
  const resourceTypeEnum = builder.enumType('ResourceType', {
    values: Object.fromEntries(model.resourceTypes.map((type) => [type, { value: type }])),
  });
  const elementBase = builder.objectRef<Json>('ElementBase').implement({
    description: 'The id and extensions of a primitive value (the `_field` of a FHIR primitive).',
    fields: (t) => ({
      id: t.string({ resolve: (parent) => parent.id as string }),
      extension: t.field({
        type: [objects.get('Extension')],
        resolve: (parent) => parent.extension as Json[],
      }),
    }),
  });

  for (const object of model.objects.values()) {
    const isResource = object.kind === 'resource';
    (objects.get(object.name) as AnyRef).implement({
      description: descriptionOf(object),
      ...(isResource
        ? { interfaces: [resourceInterface], isTypeOf: (value: Json) => value.resourceType === object.name }
        : {}),
      fields: (t: AnyRef) => {
        const fields: Record<string, unknown> = {};
        for (const field of object.fields) {
          // The Resource interface's fields are inherited, not declared twice.
          if (isResource && INTERFACE_FIELDS.has(field.name)) continue;
          addField(t, fields, field, { ...deps, objects, resourceInterface, elementBase });
        }
        if (isResource) addReverseFields(t, fields, object.name, { ...deps, objects });
        if (object.name === 'Reference') {
          fields.resource = referenceResourceField(t, resourceInterface, resourceTypeEnum);
        }
        return fields;
      },
    });
  }
  return { objects, resourceInterface, resourceTypeEnum };
}

function descriptionOf(object: ObjectModel): string {
  if (object.kind === 'resource') return `FHIR R4 ${object.name} resource.`;
  if (object.kind === 'datatype') return `FHIR R4 ${object.name} datatype.`;
  return `FHIR R4 backbone element ${object.name}.`;
}

type FieldDeps = TypeBuildDeps & {
  readonly objects: ReadonlyMap<string, AnyRef>;
  readonly resourceInterface: AnyRef;
  readonly elementBase: AnyRef;
};

export function scalarFor(field: FieldModel, scalars: ReadonlySet<string>): string {
  const scalar = PRIMITIVE_SCALARS[field.type];
  if (scalar === undefined) return 'String';
  return scalar === 'Boolean' || scalar === 'Int' || scalars.has(scalar) ? scalar : 'String';
}

function addField(t: AnyRef, fields: Record<string, unknown>, field: FieldModel, deps: FieldDeps): void {
  const { name } = field;
  if (field.primitive) {
    const scalar = name === 'id' ? 'ID' : scalarFor(field, deps.scalars);
    fields[name] = t.field({
      type: field.list ? [scalar] : scalar,
      nullable: field.list ? { list: true, items: true } : true,
      resolve: (parent: Json) => parent[name],
    });
    fields[`_${name}`] = t.field({
      type: field.list ? [deps.elementBase] : deps.elementBase,
      nullable: field.list ? { list: true, items: true } : true,
      resolve: (parent: Json) => parent[`_${name}`],
    });
    return;
  }
  const target = field.type === 'Resource' ? deps.resourceInterface : deps.objects.get(field.type);
  if (!target) return;
  if (!field.list) {
    fields[name] = t.field({ type: target, resolve: (parent: Json) => parent[name] });
    return;
  }
  const element = deps.model.objects.get(field.type);
  const args: Record<string, unknown> = {
    _count: t.arg.int({ description: 'At most this many items (after filters and _offset).' }),
    _offset: t.arg.int({ description: 'Skip this many items (after filters).' }),
    fhirpath: t.arg.string({ description: 'Keep items for which this FHIRPath expression is true.' }),
  };
  // Sub-field filters: `name(use: official)`, `identifier(system: "…")`.
  for (const sub of element?.fields ?? []) {
    if (sub.primitive && !sub.list && !(sub.name in args)) {
      args[sub.name] = t.arg({
        type: 'SearchValue',
        description: `Keep items whose ${sub.name} equals this.`,
      });
    }
  }
  fields[name] = t.field({
    type: [target],
    args,
    // Read with its resource, not searched: the cost budget prices it once (server/query-budget.ts).
    extensions: { [ELEMENT_LIST_EXTENSION]: true },
    resolve: (parent: Json, listArgs: ListArgs) =>
      applyListArgs(parent[name], listArgs, deps.compileFhirpath),
  });
}

function referenceResourceField(t: AnyRef, resourceInterface: AnyRef, typeEnum: AnyRef): unknown {
  return t.field({
    type: resourceInterface,
    description:
      'The referenced resource. An unresolvable reference is an error unless `optional: true`; with `type`, a reference to another type answers null.',
    args: {
      optional: t.arg.boolean({ defaultValue: false }),
      type: t.arg({ type: typeEnum }),
    },
    resolve: async (
      parent: Reference,
      args: { optional: boolean; type?: string | null },
      context: GatewayContext,
    ) => {
      const unresolved = () => {
        if (args.optional) return null;
        throw fhirGraphQLError('Reference cannot be resolved', 'not-found');
      };
      const reference = parent.reference;
      if (typeof reference !== 'string') return unresolved();
      if (reference.startsWith('#')) {
        const contained = containedResource(context.roots, parent, reference.slice(1));
        if (!contained) return unresolved();
        return args.type && contained.resourceType !== args.type ? null : contained;
      }
      const target = referenceTarget(reference);
      if (!target || !context.definitions.resourceTypes.includes(target.resourceType)) return unresolved();
      if (args.type && target.resourceType !== args.type) return null;
      try {
        const stored = await context.loaders.resource.load(`${target.resourceType}/${target.id}`);
        return stored.resource;
      } catch {
        return unresolved();
      }
    },
  });
}

/** The contained resource `#id` of the root resource that holds this very Reference object. */
function containedResource(
  roots: readonly Resource[],
  reference: Reference,
  id: string,
): Resource | undefined {
  for (const root of roots) {
    const contained = (root as { contained?: Resource[] }).contained ?? [];
    const match = contained.find((resource) => resource.id === id);
    if (match && holds(root, reference)) return match;
  }
  return undefined;
}

function holds(node: unknown, target: unknown): boolean {
  if (node === target) return true;
  if (node === null || typeof node !== 'object') return false;
  return Object.values(node).some((value) => holds(value, target));
}

/**
 * Reverse references: on each resource type T, `<C>List(_reference: T_C_reference!, …)` for every
 * resource type C with a reference search parameter that targets T. One batched store search per
 * (C, parameter, arguments) for all parents of a level (loaders.ts).
 */
function addReverseFields(
  t: AnyRef,
  fields: Record<string, unknown>,
  parentType: string,
  deps: TypeBuildDeps & { objects: ReadonlyMap<string, AnyRef> },
): void {
  for (const childType of deps.model.resourceTypes) {
    const parameters = deps.definitions.searchParameters.get(childType);
    const names = deps.searchArgs.get(childType) ?? new Map<string, string>();
    const referenceParams = [...names].filter(([, code]) => {
      const parameter = parameters?.byCode.get(code);
      return parameter?.kind === 'reference' && parameter.targets.includes(parentType);
    });
    if (referenceParams.length === 0) continue;
    const referenceEnum = reverseEnum(t, parentType, childType, referenceParams);
    const args: Record<string, unknown> = {
      _reference: t.arg({ type: referenceEnum, required: true }),
      _count: t.arg.int({ description: 'At most this many per parent (an explicit cut).' }),
      _sort: t.arg.string(),
      fhirpath: t.arg.string(),
    };
    for (const [name] of names) args[name] = t.arg({ type: ['SearchValue'] });
    fields[`${childType}List`] = t.field({
      type: [deps.objects.get(childType)],
      args,
      resolve: async (parent: Resource, fieldArgs: Record<string, unknown>, context: GatewayContext) => {
        const param = fieldArgs._reference as string;
        const searchArgs = searchArgsFrom(names, fieldArgs);
        if (searchArgs[param])
          throw fhirGraphQLError(`${param} is the _reference parameter; do not give it too`, 'invalid');
        const found = await context.loaders.reverse.load({
          childType,
          param,
          parent: `${parent.resourceType}/${parent.id}`,
          args: searchArgs,
          sort: (fieldArgs._sort as string | null | undefined) ?? undefined,
        });
        return limitList(found, fieldArgs, deps.compileFhirpath, `${childType}List`);
      },
    });
  }
}

function reverseEnum(t: AnyRef, parentType: string, childType: string, params: [string, string][]): AnyRef {
  const builder = t.builder as GatewayBuilder;
  return builder.enumType(`${parentType}_${childType}_reference`, {
    values: Object.fromEntries(params.map(([name, code]) => [name, { value: code }])),
  });
}

/** Applies fhirpath, then `_count`; without an explicit `_count`, more than the maximum is an error, never a cut. */
export function limitList(
  found: readonly Resource[],
  args: Record<string, unknown>,
  compile: TypeBuildDeps['compileFhirpath'],
  what: string,
): Resource[] {
  let result = [...found];
  const expression = args.fhirpath as string | null | undefined;
  if (expression) {
    const evaluate = compile(expression);
    result = result.filter((resource) => fhirpathKeeps(evaluate(resource)));
  }
  const count = args._count as number | null | undefined;
  if (count !== undefined && count !== null) {
    if (count < 0 || count > SEARCH_LIMITS.maxCount)
      throw fhirGraphQLError(`_count must be between 0 and ${SEARCH_LIMITS.maxCount}`, 'invalid');
    return result.slice(0, count);
  }
  if (result.length > SEARCH_LIMITS.maxCount)
    throw fhirGraphQLError(
      `Too many matches for ${what}: more than ${SEARCH_LIMITS.maxCount}; narrow the search or give _count`,
      'too-costly',
    );
  return result;
}

function addProvenanceType(builder: GatewayBuilder): AnyRef {
  return builder.objectRef<ReturnType<typeof gatewayProvenance>>('GatewayProvenance').implement({
    description:
      'Gateway extension: the provenance of a resource, read from meta.source, meta.tag and its identifiers.',
    fields: (t) => ({
      sourceSystem: t.string({
        description: 'jane, drchrono, epic or fhir-import',
        resolve: (p) => p.sourceSystem,
      }),
      connection: t.string({ resolve: (p) => p.connection }),
      sourceType: t.string({ description: "The source's record type", resolve: (p) => p.sourceType }),
      nativeId: t.string({ description: "The record's id in the source system", resolve: (p) => p.nativeId }),
      lastSynced: t.field({ type: 'instant', resolve: (p) => p.lastSynced }),
      versionId: t.string({ resolve: (p) => p.versionId }),
    }),
  });
}
