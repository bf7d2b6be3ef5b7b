import type { CodeSystem } from 'fhir/r4';
import {
  type IdentityScheme,
  SOURCE_SYSTEM_DISPLAY,
  SOURCE_SYSTEMS,
  sourceSystemTagSystem,
} from './identity.ts';

/**
 * The CodeSystem of the source-system tag every resource carries in meta.tag. Its URL lives under
 * the configurable gateway base URL, so it is built per identity scheme rather than stored as a file
 * (the gateway's other local terminology is data in mappings/definitions/).
 */
export function sourceSystemCodeSystem(scheme: IdentityScheme): CodeSystem {
  return {
    resourceType: 'CodeSystem',
    id: 'gateway-source-system',
    url: sourceSystemTagSystem(scheme),
    name: 'GatewaySourceSystem',
    title: 'Source systems of the FHIR normalization gateway',
    status: 'active',
    experimental: false,
    publisher: 'fhir-normalization-gateway',
    description: 'The system a resource was read from (meta.tag): one code per connector.',
    caseSensitive: true,
    content: 'complete',
    count: SOURCE_SYSTEMS.length,
    concept: SOURCE_SYSTEMS.map((code) => ({ code, display: SOURCE_SYSTEM_DISPLAY[code] })),
  };
}
