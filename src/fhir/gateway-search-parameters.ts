import type { SearchParameter } from 'fhir/r4';
import { CONNECTION_SOURCE_PREFIX } from './identity.ts';

/**
 * Search parameters the gateway adds to R4's, defined as SearchParameter resources so they flow
 * through the same compilation and indexing as the standard ones.
 */
export const GATEWAY_SEARCH_PARAMETERS: readonly SearchParameter[] = [
  {
    resourceType: 'SearchParameter',
    id: 'gateway-connection',
    url: 'https://fhir-gateway.example/SearchParameter/connection',
    name: 'connection',
    status: 'active',
    description: 'The gateway connection a resource came from (the id named in meta.source).',
    code: '_connection',
    base: ['Resource'],
    type: 'token',
    expression: `Resource.meta.source.where(startsWith('${CONNECTION_SOURCE_PREFIX}')).substring(${CONNECTION_SOURCE_PREFIX.length})`,
  },
];
