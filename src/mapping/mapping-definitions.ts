import { type FhirDefinitions, loadFhirDefinitions } from '../fhir/definitions.ts';
import { SUPPORTED_RESOURCE_TYPES } from '../fhir/supported-types.ts';

/**
 * The definitions a mapping set needs: every type the gateway emits plus ConceptMap, because the
 * code maps in mappings/conceptmaps are validated as FHIR when they load. ConceptMap is not in
 * SUPPORTED_RESOURCE_TYPES on purpose: the gateway reads them, it never emits them.
 */
export function loadMappingDefinitions(): FhirDefinitions {
  return loadFhirDefinitions({ resourceTypes: [...SUPPORTED_RESOURCE_TYPES, 'ConceptMap'] });
}
