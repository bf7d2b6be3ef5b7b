import type { ElementDefinition, StructureDefinition } from 'fhir/r4';
import type { FhirDefinitions } from '../fhir/definitions.ts';

/**
 * The GraphQL-facing shape of the FHIR types the gateway emits, read once from the
 * StructureDefinition snapshots: one object type per resource, per reachable datatype and per
 * backbone element, with choice elements expanded to their JSON names.
 */
export type FieldModel = {
  /** FHIR JSON name, e.g. `valueQuantity`, `birthDate`. */
  readonly name: string;
  /** A FHIR primitive type code (`date`, `boolean`…), a complex type / backbone type name, or `Resource`. */
  readonly type: string;
  readonly primitive: boolean;
  readonly list: boolean;
};

export type ObjectModel = {
  readonly name: string;
  readonly kind: 'resource' | 'datatype' | 'backbone';
  readonly fields: readonly FieldModel[];
};

export type FhirModel = {
  readonly resourceTypes: readonly string[];
  /** Every object type to generate, resources first, in a stable order. */
  readonly objects: ReadonlyMap<string, ObjectModel>;
};

/** FHIR primitive type codes (R4). `System.String` elements (ids, urls) are `string`. */
export const PRIMITIVE_TYPES = new Set([
  'boolean',
  'integer',
  'string',
  'decimal',
  'uri',
  'url',
  'canonical',
  'base64Binary',
  'instant',
  'date',
  'dateTime',
  'time',
  'code',
  'oid',
  'id',
  'markdown',
  'unsignedInt',
  'positiveInt',
  'uuid',
  'xhtml',
]);

const SYSTEM_TYPE_PREFIX = 'http://hl7.org/fhirpath/System.';
const FHIR_TYPE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';

export function buildFhirModel(definitions: FhirDefinitions): FhirModel {
  const objects = new Map<string, ObjectModel>();
  const pending = [...definitions.resourceTypes];
  const taken = new Set(definitions.structureDefinitions.keys());

  while (pending.length > 0) {
    const typeName = pending.shift() as string;
    if (objects.has(typeName)) continue;
    const definition = definitions.structureDefinitions.get(typeName);
    if (!definition) throw new Error(`No StructureDefinition for ${typeName}`);
    for (const object of objectsOf(definition, taken)) {
      objects.set(object.name, object);
      for (const field of object.fields) {
        if (!field.primitive && field.type !== 'Resource' && !objects.has(field.type)) {
          if (definitions.structureDefinitions.has(field.type)) pending.push(field.type);
        }
      }
    }
  }
  return { resourceTypes: definitions.resourceTypes, objects };
}

/** The type itself and every backbone element inside it. */
function objectsOf(definition: StructureDefinition, taken: Set<string>): ObjectModel[] {
  const elements = definition.snapshot?.element ?? [];
  const root = definition.type;
  const kind = definition.kind === 'resource' ? 'resource' : 'datatype';
  // A path is a container when other elements sit under it: the root and each backbone element.
  const containers = new Map<string, string>([[root, root]]);
  for (const element of elements) {
    if (element.path === root || element.contentReference) continue;
    const code = element.type?.[0]?.code;
    if ((code === 'BackboneElement' || code === 'Element') && hasChildren(elements, element.path)) {
      containers.set(element.path, backboneName(element.path, taken));
    }
  }
  const fields = new Map<string, FieldModel[]>([...containers.keys()].map((path) => [path, []]));
  for (const element of elements) {
    const parent = element.path.slice(0, element.path.lastIndexOf('.'));
    const siblings = fields.get(parent);
    if (!siblings || element.max === '0') continue;
    siblings.push(...fieldsOf(element, containers));
  }
  return [...containers].map(([path, name]) => ({
    name,
    kind: path === root ? kind : 'backbone',
    fields: fields.get(path) ?? [],
  }));
}

function hasChildren(elements: readonly ElementDefinition[], path: string): boolean {
  const prefix = `${path}.`;
  return elements.some((element) => element.path.startsWith(prefix));
}

function backboneName(path: string, taken: Set<string>): string {
  let name = path
    .split('.')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
  while (taken.has(name)) name = `${name}_`;
  taken.add(name);
  return name;
}

function fieldsOf(element: ElementDefinition, containers: ReadonlyMap<string, string>): FieldModel[] {
  const last = element.path.slice(element.path.lastIndexOf('.') + 1);
  const list = element.max !== '1';
  if (element.contentReference) {
    const target = containers.get(element.contentReference.slice(1));
    return target ? [{ name: last, type: target, primitive: false, list }] : [];
  }
  const backbone = containers.get(element.path);
  if (backbone) return [{ name: last, type: backbone, primitive: false, list }];
  const types = element.type ?? [];
  if (last.endsWith('[x]')) {
    const base = last.slice(0, -3);
    return types.map((type) => {
      const code = typeCode(type);
      return {
        name: `${base}${code.charAt(0).toUpperCase()}${code.slice(1)}`,
        type: code,
        primitive: PRIMITIVE_TYPES.has(code),
        list,
      };
    });
  }
  const first = types[0];
  if (!first) return [];
  const code = typeCode(first);
  return [{ name: last, type: code, primitive: PRIMITIVE_TYPES.has(code), list }];
}

function typeCode(type: NonNullable<ElementDefinition['type']>[number]): string {
  if (!type.code.startsWith(SYSTEM_TYPE_PREFIX)) return type.code;
  const fhirType = type.extension?.find((extension) => extension.url === FHIR_TYPE_EXTENSION)?.valueUrl;
  return fhirType && PRIMITIVE_TYPES.has(fhirType) ? fhirType : 'string';
}
