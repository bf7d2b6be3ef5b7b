import { ASSERTION_ALGORITHM, TOKEN_PATH } from './backend-auth.ts';
import type { ResourceSearchRules } from './search-parameters.ts';

const SEARCH_TYPE_OF = {
  id: 'token',
  token: 'token',
  string: 'string',
  date: 'date',
  reference: 'reference',
} as const;

/** The simulator's own CapabilityStatement, derived from the search rules it enforces. */
export function buildCapabilityStatement(input: {
  baseUrl: string;
  fhirBasePath: string;
  rules: Record<string, ResourceSearchRules>;
  softwareDate: string;
}): Record<string, unknown> {
  const resource = Object.entries(input.rules).map(([type, rules]) => ({
    type,
    interaction: rules.interactions.map((code) => ({ code })),
    readHistory: false,
    updateCreate: false,
    conditionalCreate: false,
    conditionalUpdate: false,
    searchParam: [
      ...Object.entries(rules.params).map(([name, def]) => ({
        name,
        type: SEARCH_TYPE_OF[def.type],
        documentation: def.documentation,
      })),
      { name: '_count', type: 'number', documentation: 'Page size (at most the maximum page size).' },
    ],
    ...(type === 'Group'
      ? {
          operation: [
            {
              name: 'export',
              definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export',
            },
          ],
        }
      : {}),
    ...(type === 'Appointment'
      ? {
          operation: [
            {
              name: 'find',
              definition: 'http://fhir.org/guides/argonaut/scheduling/OperationDefinition/appointment-find',
            },
            {
              name: 'book',
              definition: 'http://fhir.org/guides/argonaut/scheduling/OperationDefinition/appointment-book',
            },
          ],
        }
      : {}),
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    experimental: true,
    date: input.softwareDate,
    publisher: 'FHIR normalization gateway (simulator)',
    kind: 'instance',
    software: { name: 'Epic on FHIR R4 simulator', version: '1.0.0' },
    implementation: {
      description: 'Simulated Epic organisation for local development',
      url: `${input.baseUrl}${input.fhirBasePath}`,
    },
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [
      {
        mode: 'server',
        security: {
          extension: [
            {
              url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
              extension: [{ url: 'token', valueUri: `${input.baseUrl}${TOKEN_PATH}` }],
            },
          ],
          service: [
            {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/restful-security-service',
                  code: 'SMART-on-FHIR',
                },
              ],
            },
          ],
        },
        resource,
      },
    ],
  };
}

/** `.well-known/smart-configuration` for backend services only. */
export function buildSmartConfiguration(baseUrl: string, scopes: string[]): Record<string, unknown> {
  return {
    issuer: baseUrl,
    token_endpoint: `${baseUrl}${TOKEN_PATH}`,
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: [ASSERTION_ALGORITHM],
    grant_types_supported: ['client_credentials'],
    scopes_supported: scopes,
    capabilities: ['client-confidential-asymmetric', 'permission-v1'],
  };
}
