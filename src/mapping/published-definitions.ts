import { type ConformanceCatalog, createConformanceCatalog } from '../fhir/conformance-catalog.ts';
import type { IdentityScheme } from '../fhir/identity.ts';
import { sourceSystemCodeSystem } from '../fhir/source-system-code-system.ts';
import { SUPPORTED_RESOURCE_TYPES } from '../fhir/supported-types.ts';
import { loadLocalDefinitions } from './local-definitions.ts';

/**
 * Everything the gateway publishes about its own URLs (served at /fhir, docs/definitions.md): the
 * local CodeSystems, NamingSystems and extension StructureDefinitions of `mappings/definitions/`,
 * and the source-system CodeSystem, whose URL follows the configured gateway base URL.
 */
export function loadPublishedDefinitions(mappingsDir: string, scheme: IdentityScheme): ConformanceCatalog {
  const local = loadLocalDefinitions(mappingsDir);
  return createConformanceCatalog(
    [
      ...local.codeSystems.values(),
      sourceSystemCodeSystem(scheme),
      ...local.namingSystems.values(),
      ...local.extensions.values(),
    ],
    { contextTypes: SUPPORTED_RESOURCE_TYPES },
  );
}
