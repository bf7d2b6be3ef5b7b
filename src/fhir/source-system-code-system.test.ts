import type { Basic } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { loadFhirDefinitions } from './definitions.ts';
import { createIdentityScheme } from './identity.ts';
import { errorIssues } from './operation-outcome.ts';
import { applyProvenance } from './provenance.ts';
import { sourceSystemCodeSystem } from './source-system-code-system.ts';
import { validateResource } from './validate-resource.ts';

describe('the source-system CodeSystem', () => {
  const scheme = createIdentityScheme('https://gw.example.org/fhir');
  const codeSystem = sourceSystemCodeSystem(scheme);

  it('is valid FHIR R4 and defines the tag every resource carries, under the configured base URL', () => {
    const defs = loadFhirDefinitions({ resourceTypes: ['CodeSystem'] });
    expect(errorIssues(validateResource(defs, codeSystem))).toEqual([]);
    expect(codeSystem.url).toBe('https://gw.example.org/fhir/CodeSystem/source-system');
    for (const source of ['jane', 'drchrono', 'epic'] as const) {
      const basic: Basic = { resourceType: 'Basic', code: { text: 'x' } };
      const stamped = applyProvenance(scheme, basic, {
        tenant: 't1',
        connectionId: 'c1',
        source,
        sourceType: 'things',
        nativeId: '1',
      });
      const tag = stamped.meta?.tag?.[0];
      expect(tag?.system).toBe(codeSystem.url);
      expect(codeSystem.concept).toContainEqual({ code: tag?.code, display: tag?.display });
    }
  });
});
