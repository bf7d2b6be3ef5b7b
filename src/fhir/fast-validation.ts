import {
  capitalize,
  evalFhirPathTyped,
  type FhirPathAtom,
  fhirTypeToJsType,
  getDataType,
  type InternalSchemaElement,
  type InternalTypeSchema,
  isReference,
  isValidCalendarDate,
  parseFhirPath,
  type TypedValue,
  toTypedValue,
  tryGetDataType,
  validationRegexes,
} from '@medplum/core';
import type { Coding } from 'fhir/r4';
import { choiceTypesAgree } from './choice-type-check.ts';
import {
  createInvariantMemo,
  type DatatypeInvariants,
  datatypeInvariantsHoldOn,
} from './datatype-invariants.ts';
import { compileInvariantGuard, type ElementKeys, type InvariantGuard } from './invariant-guard.ts';
import { checkResourceIds } from './resource-id-check.ts';
import { everyTypedObject } from './typed-walk.ts';
import { canonicalWithoutVersion, type ValueSetExpansions } from './value-set-expansion.ts';

/**
 * A fast path in front of the full validator (validate-resource.ts), for the resources a sync
 * emits by the thousand. It walks the resource once against @medplum/core's own parsed type
 * schemas, compiled per type on first use (element lookup by JSON key, choice keys resolved,
 * constraint expressions parsed once), and checks what @medplum/core's validator checks: known
 * properties, array-ness and cardinality, required elements, JSON types and formats of primitives,
 * element constraints (evaluated by @medplum/core's own FHIRPath engine, with the same variables),
 * reference target types and codes of required bindings. Then the gateway's own checks run as
 * they are (ids, one type per choice element, datatype invariants; the last with a bounded memo of
 * invariants that held on identical JSON, and guards that decide most without fhirpath.js).
 *
 * It only ever answers "no issue" or "not sure": anything outside its subset (primitive
 * extensions `_x`, contained or nested resources, patterns, fixed values, slicing, base64Binary)
 * and anything that looks wrong makes it answer `false`, and the full validator runs and writes
 * the OperationOutcome. So an invalid resource is reported exactly as before; the fast path can
 * only be wrong by accepting something the full validator would not, which
 * fast-validation.test.ts checks on a corpus of valid and invalid resources.
 */
export type FastValidator = {
  /** True only if the full validator (validate-resource.ts) would report no issue at all. */
  accepts(resource: Record<string, unknown>): boolean;
};

/** @medplum/core's validator skips these constraint keys (its `skippedConstraintKeys`); so do we. */
const SKIPPED_CONSTRAINTS = new Set(['ele-1', 'dom-3', 'org-1', 'sdf-19']);
const HL7_SD = 'http://hl7.org/fhir/StructureDefinition/';
const MEDPLUM_SD = 'https://medplum.com/fhir/StructureDefinition/';
const MAX_STRING = 1024 * 1024;
const INT_MIN = -2_147_483_648;
const INT_MAX = 2_147_483_647;
const UCUM = toTypedValue('http://unitsofmeasure.org');

type CompiledConstraint = {
  readonly key: string;
  readonly atom: FhirPathAtom;
  /** Decides "holds" on plain JSON where it can, exactly as the engine would (invariant-guard.ts). */
  readonly holds: InvariantGuard;
};

type CompiledElement = {
  readonly isArray: boolean;
  readonly min: number;
  readonly max: number;
  readonly constraints: readonly CompiledConstraint[];
  /** Allowed reference targets, or undefined when any target is fine (or unknowable). */
  readonly referenceTargets: readonly string[] | undefined;
  /** Canonical URL of a required binding's value set, if any. */
  readonly requiredValueSet: string | undefined;
  /** Set when the element carries something the fast path does not evaluate. */
  readonly unsupported: boolean;
};

/** A JSON key of an object: the element it fills and the type it is read as. */
type KeyEntry = { readonly element: CompiledElement; readonly type: string; readonly choiceGroup: number };

type CompiledType = {
  readonly schema: InternalTypeSchema;
  readonly keys: ReadonlyMap<string, KeyEntry>;
  /** Elements with min > 0, each as the JSON keys that would fill it. */
  readonly required: ReadonlyArray<readonly string[]>;
  readonly choiceGroups: number;
};

type Walk = { readonly root: TypedValue; readonly rootVars: Record<string, TypedValue> };

export function createFastValidator(
  requiredValueSets: ValueSetExpansions,
  datatypeInvariants: DatatypeInvariants,
): FastValidator {
  const compiled = new Map<InternalTypeSchema, CompiledType>();
  const invariantMemo = createInvariantMemo();
  /** The schema an object value of a key is read with (an entry belongs to one parent type). */
  const valueSchemas = new Map<KeyEntry, InternalTypeSchema>();

  function compiledType(schema: InternalTypeSchema): CompiledType {
    let found = compiled.get(schema);
    if (found === undefined) {
      found = compileType(schema);
      compiled.set(schema, found);
    }
    return found;
  }

  function checkObject(value: Record<string, unknown>, schema: InternalTypeSchema, walk: Walk): boolean {
    const type = compiledType(schema);
    const keys = Object.keys(value);
    if (keys.length === 0) return false; // an empty object (a resource has its resourceType)
    // Choice elements given so far: bits of a number (no allocation per object) up to 31 groups.
    let seenBits = 0;
    const seenChoices = type.choiceGroups > 31 ? new Uint8Array(type.choiceGroups) : undefined;
    for (const key of keys) {
      if (key === 'resourceType') {
        if (value !== walk.root.value) return false; // a nested resource: the full validator handles those
        continue;
      }
      const entry = type.keys.get(key);
      if (entry === undefined) return false; // unknown property, or `_x` primitive extensions
      const group = entry.choiceGroup;
      if (group >= 0) {
        // Two types of one choice element.
        if (seenChoices !== undefined) {
          if (seenChoices[group] === 1) return false;
          seenChoices[group] = 1;
        } else {
          const bit = 1 << group;
          if ((seenBits & bit) !== 0) return false;
          seenBits |= bit;
        }
      }
      if (!checkProperty(value[key], entry, schema, walk)) return false;
    }
    for (const keys of type.required) {
      if (!keys.some((key) => value[key] !== undefined)) return false;
    }
    return true;
  }

  function checkProperty(value: unknown, entry: KeyEntry, parent: InternalTypeSchema, walk: Walk): boolean {
    const { element } = entry;
    if (element.unsupported || value === undefined || value === null) return false;
    if (element.isArray) {
      if (!Array.isArray(value) || value.length === 0) return false;
      if (value.length < element.min || value.length > element.max) return false;
      for (const item of value) if (!checkValue(item, entry, parent, walk)) return false;
      return true;
    }
    if (Array.isArray(value) || element.max < 1) return false; // max 0: a profile forbids it
    return checkValue(value, entry, parent, walk);
  }

  function checkValue(value: unknown, entry: KeyEntry, parent: InternalTypeSchema, walk: Walk): boolean {
    const { element, type } = entry;
    if (value === null || value === undefined) return false;
    const expected = (fhirTypeToJsType as Record<string, string>)[type];
    if (expected !== undefined) {
      if (!checkPrimitive(value, type, expected)) return false;
    } else {
      if (typeof value !== 'object' || Array.isArray(value)) return false;
      const object = value as Record<string, unknown>;
      if (type === 'Reference' && !referenceTargetAllowed(object, element)) return false;
      let schema = valueSchemas.get(entry);
      if (schema === undefined) {
        schema = parent.innerTypes?.find((inner) => inner.name === type) ?? getDataType(type);
        valueSchemas.set(entry, schema);
      }
      // Empty objects are refused there.
      if (!checkObject(object, schema, walk)) return false;
    }
    if (element.constraints.length > 0 && !constraintsHold(element, { type, value }, walk)) return false;
    if (element.requiredValueSet !== undefined && !inRequiredValueSet(element.requiredValueSet, type, value))
      return false;
    return true;
  }

  function inRequiredValueSet(url: string, type: string, value: unknown): boolean {
    const codeSet = requiredValueSets.byUrl.get(url);
    if (codeSet === undefined) return true; // not expandable here: the full path skips it too
    switch (type) {
      case 'code':
      case 'string':
      case 'uri':
        return typeof value === 'string' && codeSet.codes.has(value);
      case 'Coding':
        return codingIn(codeSet, value as Coding);
      case 'CodeableConcept': {
        const codings: unknown = (value as { coding?: unknown }).coding ?? [];
        return Array.isArray(codings) && codings.some((coding) => codingIn(codeSet, coding as Coding));
      }
      default:
        return true;
    }
  }

  return {
    accepts(resource) {
      const resourceType = resource.resourceType;
      if (typeof resourceType !== 'string') return false;
      try {
        const schema = getDataType(resourceType);
        const root = toTypedValue(resource);
        const walk: Walk = { root, rootVars: { '%ucum': UCUM, '%resource': root, '%rootResource': root } };
        if (!constraintsHoldOn(compiledRootConstraints(schema), root, walk)) return false;
        if (!checkObject(resource, schema, walk)) return false;
      } catch {
        return false; // whatever went wrong, the full validator reports it properly
      }
      // The gateway's own checks, unchanged, on what @medplum/core would accept.
      // One walk for both typed checks, with no locations built (they only matter in issues).
      return (
        checkResourceIds(resource).length === 0 &&
        everyTypedObject(
          resource,
          (node, modelPath) =>
            choiceTypesAgree(node, modelPath) &&
            datatypeInvariantsHoldOn(datatypeInvariants, node, modelPath, invariantMemo),
        )
      );
    },
  };
}

const rootConstraints = new WeakMap<InternalTypeSchema, readonly CompiledConstraint[]>();

function compiledRootConstraints(schema: InternalTypeSchema): readonly CompiledConstraint[] {
  let found = rootConstraints.get(schema);
  if (found === undefined) {
    found = compileConstraints(schema.constraints, schema);
    rootConstraints.set(schema, found);
  }
  return found;
}

function constraintsHold(element: CompiledElement, value: TypedValue, walk: Walk): boolean {
  return constraintsHoldOn(element.constraints, value, walk);
}

/** The same evaluation as @medplum/core's `isExpressionTrue`: exactly one `true` passes. */
function constraintsHoldOn(
  constraints: readonly CompiledConstraint[],
  value: TypedValue,
  walk: Walk,
): boolean {
  if (constraints.length === 0) return true;
  // Built only when a guard cannot decide (most constraints are decided on plain JSON).
  let variables: Record<string, TypedValue> | undefined;
  for (const constraint of constraints) {
    if (typeof value.value === 'object' && constraint.holds(value.value as Record<string, unknown>)) continue;
    variables ??= { ...walk.rootVars, '%context': value };
    const result = evalFhirPathTyped(constraint.atom, [value], variables);
    if (result.length !== 1 || result[0]?.value !== true) return false;
  }
  return true;
}

function checkPrimitive(value: unknown, type: string, expected: string): boolean {
  if (typeof value !== expected) return false;
  if (expected === 'string') {
    if (type === 'base64Binary') return false; // rare; the full path has its own rules for it
    const text = value as string;
    if (text.length > MAX_STRING || text.trim() === '') return false;
    const regex = validationRegexes[type];
    if (regex !== undefined && !regex.test(text)) return false;
    if ((type === 'date' || type === 'dateTime' || type === 'instant') && !isValidCalendarDate(text))
      return false;
    return true;
  }
  if (expected === 'number') {
    const n = value as number;
    if (!Number.isFinite(n)) return false;
    if (type === 'integer') return Number.isInteger(n) && n >= INT_MIN && n <= INT_MAX;
    if (type === 'positiveInt') return Number.isInteger(n) && n >= 1 && n <= INT_MAX;
    if (type === 'unsignedInt') return Number.isInteger(n) && n >= 0 && n <= INT_MAX;
  }
  return true;
}

/** Mirrors @medplum/core's reference check: true where it would not warn. */
function referenceTargetAllowed(reference: Record<string, unknown>, element: CompiledElement): boolean {
  const targets = element.referenceTargets;
  if (targets === undefined || !isReference(reference)) return true;
  const text = String(reference.reference);
  if (text.startsWith('#')) return true;
  const type = text.includes('?') ? text.split('?')[0] : text.split('/')[0];
  if (!type) return true;
  return targets.includes(type);
}

function codingIn(codeSet: { systemCodes: ReadonlySet<string>; codes: ReadonlySet<string> }, coding: Coding) {
  if (typeof coding !== 'object' || coding === null || coding.code === undefined) return false;
  return coding.system === undefined
    ? codeSet.codes.has(coding.code)
    : codeSet.systemCodes.has(`${coding.system}|${coding.code}`);
}

function compileType(schema: InternalTypeSchema): CompiledType {
  const keys = new Map<string, KeyEntry>();
  const clashes = new Set<string>();
  const required: string[][] = [];
  let choiceGroups = 0;
  const add = (key: string, entry: KeyEntry) => {
    if (keys.has(key)) clashes.add(key);
    keys.set(key, entry);
  };
  for (const [name, definition] of Object.entries(schema.elements)) {
    if (name.includes('.')) continue; // nested element keys (profiles only): such objects fall back
    const element = compileElement(definition, schema);
    if (name.endsWith('[x]')) {
      const base = name.slice(0, -3);
      const group = choiceGroups++;
      const filled = definition.type.map((type) => `${base}${capitalize(type.code)}`);
      definition.type.forEach((type, index) => {
        add(filled[index] as string, { element, type: type.code, choiceGroup: group });
      });
      if (definition.min > 0) required.push(filled);
    } else {
      const types = definition.type;
      const type = types.length === 1 ? types[0]?.code : undefined;
      if (type === undefined) continue; // several types without [x]: not in the subset
      add(name, { element, type, choiceGroup: -1 });
      if (definition.min > 0) required.push([name]);
    }
  }
  // A key two elements could claim is left to the full validator.
  for (const key of clashes) keys.delete(key);
  return { schema, keys, required, choiceGroups };
}

function compileElement(definition: InternalSchemaElement, parent: InternalTypeSchema): CompiledElement {
  const binding = definition.binding;
  const only = definition.type.length === 1 ? definition.type[0]?.code : undefined;
  // Constraints are read on the element's value, whose type's elements name the JSON keys.
  const valueSchema =
    only === undefined
      ? undefined
      : (parent.innerTypes?.find((inner) => inner.name === only) ?? tryGetDataType(only));
  const reference = definition.type.find((type) => type.code === 'Reference');
  return {
    isArray: definition.isArray === true,
    min: definition.min,
    max: definition.max,
    constraints: compileConstraints(definition.constraints, valueSchema),
    referenceTargets: reference?.targetProfile ? referenceTargets(reference.targetProfile) : undefined,
    requiredValueSet:
      binding?.valueSet && binding.strength === 'required'
        ? canonicalWithoutVersion(binding.valueSet)
        : undefined,
    unsupported:
      definition.slicing !== undefined || definition.fixed !== undefined || definition.pattern !== undefined,
  };
}

function compileConstraints(
  constraints: InternalSchemaElement['constraints'],
  valueSchema: InternalTypeSchema | undefined,
): CompiledConstraint[] {
  const keysOf = valueSchema === undefined ? () => undefined : schemaElementKeys(valueSchema);
  return (constraints ?? [])
    .filter((constraint) => constraint.severity === 'error' && !SKIPPED_CONSTRAINTS.has(constraint.key))
    .map((constraint) => ({
      key: constraint.key,
      atom: parseFhirPath(constraint.expression),
      holds: compileInvariantGuard(constraint.expression, keysOf, 'all-terms'),
    }));
}

/** JSON keys of an element as @medplum/core reads them: one per type of a choice element. */
function schemaElementKeys(schema: InternalTypeSchema): ElementKeys {
  return (name) => {
    if (schema.elements[name] !== undefined) return [name];
    const choice = schema.elements[`${name}[x]`];
    return choice?.type.map((type) => `${name}${capitalize(type.code)}`);
  };
}

/**
 * The resource types a reference may name, as @medplum/core reads target profiles; undefined if a
 * profile it cannot read (US Core…) or `Resource` makes any target acceptable.
 */
function referenceTargets(profiles: readonly string[]): string[] | undefined {
  const types: string[] = [];
  for (const profile of profiles) {
    if (profile === `${HL7_SD}Resource`) return undefined;
    if (profile.startsWith(HL7_SD)) types.push(profile.slice(HL7_SD.length));
    else if (profile.startsWith(MEDPLUM_SD)) types.push(profile.slice(MEDPLUM_SD.length));
    else return undefined;
  }
  return types;
}
