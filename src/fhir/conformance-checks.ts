import type {
  CodeSystem,
  CodeSystemConcept,
  NamingSystem,
  StructureDefinition,
  StructureDefinitionContext,
} from 'fhir/r4';
import { FHIR_ID_PATTERN } from './resource-id-check.ts';

/** The definitions the gateway publishes about itself (served at /fhir, docs/definitions.md). */
export type ConformanceResource = CodeSystem | NamingSystem | StructureDefinition;

export const CONFORMANCE_RESOURCE_TYPES = ['CodeSystem', 'NamingSystem', 'StructureDefinition'] as const;
export type ConformanceResourceType = (typeof CONFORMANCE_RESOURCE_TYPES)[number];

export function isConformanceResourceType(type: string): type is ConformanceResourceType {
  return (CONFORMANCE_RESOURCE_TYPES as readonly string[]).includes(type);
}

const EXTENSION_BASE = 'http://hl7.org/fhir/StructureDefinition/Extension';
/** A FHIR computable name: starts upper-case, letters, digits and underscores only. */
const COMPUTABLE_NAME = /^[A-Z][A-Za-z0-9_]{0,254}$/;

export type ConformanceCheckOptions = {
  /** Resource types an extension's `element` context may name (the types the gateway emits). */
  readonly contextTypes: readonly string[];
};

/**
 * What the R4 validator cannot see in a published definition but a reader relies on: a CodeSystem
 * says how much of it is listed (`content`) and counts what it lists; an extension definition is a
 * constraint on Extension with a context, its fixed `Extension.url` is its own url and it allows a
 * value type; a NamingSystem names its namespace by exactly one preferred uri. Problems name the
 * definition by id and the rule, so a broken data file is found from the message alone.
 */
export function conformanceProblems(
  resource: ConformanceResource,
  options: ConformanceCheckOptions,
): string[] {
  const where = `${resource.resourceType}/${resource.id ?? '(no id)'}`;
  const problems = [...commonProblems(resource), ...typeProblems(resource, options)];
  return problems.map((problem) => `${where}: ${problem}`);
}

function commonProblems(resource: ConformanceResource): string[] {
  const problems: string[] = [];
  if (!resource.id || !FHIR_ID_PATTERN.test(resource.id)) problems.push('id is missing or not a FHIR id');
  if (!resource.name || !COMPUTABLE_NAME.test(resource.name))
    problems.push('name is missing or not a computable name');
  if (resource.status !== 'active') problems.push('status is not active');
  if (!resource.description) problems.push('description is missing');
  return problems;
}

function typeProblems(resource: ConformanceResource, options: ConformanceCheckOptions): string[] {
  switch (resource.resourceType) {
    case 'CodeSystem':
      return codeSystemProblems(resource);
    case 'NamingSystem':
      return namingSystemProblems(resource);
    case 'StructureDefinition':
      return extensionProblems(resource, options);
  }
}

function flatten(concepts: readonly CodeSystemConcept[] = []): CodeSystemConcept[] {
  return concepts.flatMap((concept) => [concept, ...flatten(concept.concept)]);
}

function codeSystemProblems(system: CodeSystem): string[] {
  const problems: string[] = [];
  if (!system.url) problems.push('url is missing');
  const concepts = flatten(system.concept);
  if (system.content === 'complete' && concepts.length === 0)
    problems.push('content is complete but no concept is listed');
  if (system.content === 'not-present' && concepts.length > 0)
    problems.push('content is not-present but concepts are listed');
  if (concepts.length > 0 && system.count !== concepts.length)
    problems.push(`count is ${system.count ?? 'missing'} but ${concepts.length} concepts are listed`);
  const codes = concepts.map((concept) => concept.code);
  const duplicates = [...new Set(codes.filter((code, index) => codes.indexOf(code) !== index))];
  if (duplicates.length > 0) problems.push(`codes listed twice: ${duplicates.join(', ')}`);
  return problems;
}

function namingSystemProblems(system: NamingSystem): string[] {
  const problems: string[] = [];
  const preferredUris = (system.uniqueId ?? []).filter((id) => id.type === 'uri' && id.preferred === true);
  if (preferredUris.length !== 1)
    problems.push(`needs exactly one preferred uri uniqueId, has ${preferredUris.length}`);
  if (system.kind !== 'identifier') problems.push('kind is not identifier');
  return problems;
}

function extensionProblems(definition: StructureDefinition, options: ConformanceCheckOptions): string[] {
  const problems: string[] = [];
  if (definition.type !== 'Extension') problems.push('type is not Extension');
  if (definition.kind !== 'complex-type') problems.push('kind is not complex-type');
  if (definition.derivation !== 'constraint') problems.push('derivation is not constraint');
  if (definition.baseDefinition !== EXTENSION_BASE) problems.push(`baseDefinition is not ${EXTENSION_BASE}`);
  if (definition.abstract !== false) problems.push('abstract is not false');
  if (definition.fhirVersion !== '4.0.1') problems.push('fhirVersion is not 4.0.1');
  problems.push(...contextProblems(definition.context ?? [], options));
  const elements = definition.differential?.element ?? [];
  const fixedUrl = elements.find((element) => element.path === 'Extension.url')?.fixedUri;
  if (fixedUrl !== definition.url)
    problems.push('Extension.url is not fixed to the definition url (what the mappings emit)');
  const value = elements.find((element) => element.path === 'Extension.value[x]');
  // A complex extension carries its data in sub-extensions: value[x] is prohibited (max 0) instead.
  const complex =
    value?.max === '0' &&
    elements.some((element) => element.path === 'Extension.extension' && element.sliceName);
  if (value?.max === '0' && !complex)
    problems.push('Extension.value[x] is prohibited but no sub-extension is sliced');
  else if (!complex && !value?.type?.length) problems.push('Extension.value[x] names no value type');
  return problems;
}

function contextProblems(
  contexts: readonly StructureDefinitionContext[],
  options: ConformanceCheckOptions,
): string[] {
  if (contexts.length === 0) return ['context is missing (where may the extension be used?)'];
  return contexts.flatMap((context) => {
    if (context.type !== 'element') return [`context type ${context.type} is not element`];
    const root = context.expression.split('.')[0] ?? '';
    return options.contextTypes.includes(root)
      ? []
      : [`context ${context.expression} is not on a resource type the gateway emits`];
  });
}
