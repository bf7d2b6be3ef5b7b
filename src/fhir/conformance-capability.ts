import type { CapabilityStatement } from 'fhir/r4';
import { CONFORMANCE_RESOURCE_TYPES } from './conformance-checks.ts';

/** The search parameters /fhir answers for every definition type; anything else is refused. */
export const CONFORMANCE_SEARCH_PARAMETERS = [
  { name: 'url', type: 'uri', documentation: 'The canonical URL (a NamingSystem: its preferred uri)' },
  { name: '_id', type: 'token', documentation: 'The logical id' },
] as const;

/**
 * `GET /fhir/metadata`: what the gateway's definitions endpoint serves. Only its own published
 * definitions: patient data is served by GraphQL, not here (docs/definitions.md).
 */
export function conformanceCapabilityStatement(options: {
  /** When this statement was made (the process start). */
  readonly date: string;
  /** The absolute base of the endpoint, when known (`http://host:port/fhir`). */
  readonly baseUrl?: string;
}): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    id: 'fhir-gateway-definitions',
    name: 'FhirGatewayDefinitions',
    title: "The FHIR normalization gateway's published definitions",
    status: 'active',
    experimental: false,
    date: options.date,
    publisher: 'fhir-normalization-gateway',
    description:
      'Read-only access to the CodeSystems, NamingSystems and extension StructureDefinitions of every gateway-local URL the gateway emits.',
    kind: 'instance',
    implementation: {
      description: 'FHIR normalization gateway: local definitions',
      ...(options.baseUrl ? { url: options.baseUrl } : {}),
    },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'Public, read-only: the definitions hold no patient or tenant data, so no API key is asked for.',
        resource: CONFORMANCE_RESOURCE_TYPES.map((type) => ({
          type,
          interaction: [{ code: 'read' }, { code: 'search-type' }],
          searchParam: CONFORMANCE_SEARCH_PARAMETERS.map((parameter) => ({ ...parameter })),
        })),
      },
    ],
  };
}
