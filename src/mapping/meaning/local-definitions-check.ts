import type { Resource } from 'fhir/r4';
import type { LocalDefinitions } from '../local-definitions.ts';

/**
 * Every gateway-local URL in mapped output is published (mappings/definitions/): a Coding's local
 * system has a CodeSystem (and, when that CodeSystem is `complete`, defines the code), an
 * Identifier's local system a NamingSystem, a local extension a StructureDefinition whose context
 * names the resource type and whose value type is the one emitted. Connection-scoped identifier
 * systems (`urn:fhir-gateway:sid:…`, docs/identity.md) are namespaces per connection, not published.
 */
const LOCAL = 'urn:fhir-gateway:';
const CODE_SYSTEM = 'urn:fhir-gateway:codesystem:';

type Json = Record<string, unknown>;
const IDENTIFIER_KEYS = new Set([
  'identifier',
  'paymentIdentifier',
  'masterIdentifier',
  'groupIdentifier',
  'valueIdentifier',
]);
const CODING_KEYS = new Set(['coding', 'valueCoding']);

function valueType(extension: Json): string | undefined {
  const key = Object.keys(extension).find((k) => k.startsWith('value'));
  return key?.slice('value'.length);
}

export function localDefinitionProblems(
  resources: readonly Resource[],
  definitions: LocalDefinitions,
): string[] {
  const problems = new Set<string>();
  const visit = (resource: Resource, value: unknown, key: string): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(resource, item, key);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const object = value as Json;
    const system = typeof object.system === 'string' ? object.system : undefined;
    if (system?.startsWith(CODE_SYSTEM) && IDENTIFIER_KEYS.has(key)) {
      if (!definitions.namingSystems.has(system))
        problems.add(`identifier system ${system}: no NamingSystem`);
    } else if (system?.startsWith(LOCAL) && CODING_KEYS.has(key)) {
      const codeSystem = definitions.codeSystems.get(system);
      if (!codeSystem) problems.add(`code system ${system}: no CodeSystem`);
      else if (
        codeSystem.content === 'complete' &&
        !codeSystem.concept?.some((concept) => concept.code === object.code)
      ) {
        problems.add(`code system ${system}: code ${String(object.code)} not defined`);
      }
    }
    if (key === 'extension' && typeof object.url === 'string' && object.url.startsWith(LOCAL)) {
      const definition = definitions.extensions.get(object.url);
      const where = resource.resourceType;
      if (!definition) problems.add(`extension ${object.url}: no StructureDefinition`);
      else {
        if (!definition.context?.some((context) => context.expression === where)) {
          problems.add(`extension ${object.url}: not defined for ${where}`);
        }
        const allowed = definition.differential?.element
          .find((element) => element.path === 'Extension.value[x]')
          ?.type?.map((type) => type.code.charAt(0).toUpperCase() + type.code.slice(1));
        const emitted = valueType(object);
        if (emitted && !allowed?.includes(emitted)) {
          problems.add(`extension ${object.url}: value${emitted} is not its value type`);
        }
      }
    }
    for (const [child, item] of Object.entries(object)) visit(resource, item, child);
  };
  for (const resource of resources) visit(resource, resource, '');
  return [...problems].sort();
}
