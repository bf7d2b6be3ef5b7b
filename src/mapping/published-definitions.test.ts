import { join } from 'node:path';
import type { CodeSystem, Resource } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { conformanceProblems } from '../fhir/conformance-checks.ts';
import { loadFhirDefinitions } from '../fhir/definitions.ts';
import { createIdentityScheme, sourceSystemTagSystem } from '../fhir/identity.ts';
import { errorIssues } from '../fhir/operation-outcome.ts';
import { SUPPORTED_RESOURCE_TYPES } from '../fhir/supported-types.ts';
import { validateResource } from '../fhir/validate-resource.ts';
import { loadPublishedDefinitions } from './published-definitions.ts';

/**
 * Everything the gateway publishes about its own URLs is valid FHIR R4 and passes the conformance
 * checks a reader relies on (fhir/conformance-checks.ts); a definition broken either way is caught.
 */
const mappingsDir = join(import.meta.dirname, '..', '..', 'mappings');
const scheme = createIdentityScheme('https://gateway.test');
const catalog = loadPublishedDefinitions(mappingsDir, scheme);
const defs = loadFhirDefinitions({ resourceTypes: ['CodeSystem', 'NamingSystem', 'StructureDefinition'] });

function validatorErrors(resource: Resource): string[] {
  return errorIssues(validateResource(defs, resource, { fastPath: false })).map(
    (issue) => `${resource.resourceType}/${resource.id}: ${issue.expression?.[0]} ${issue.diagnostics}`,
  );
}

describe('published definitions', () => {
  it('are the local definitions and the source-system CodeSystem at the configured base URL', () => {
    const count = (type: string) => catalog.all.filter((r) => r.resourceType === type).length;
    expect(count('CodeSystem')).toBeGreaterThan(20);
    expect(count('NamingSystem')).toBeGreaterThan(5);
    expect(count('StructureDefinition')).toBeGreaterThan(5);
    expect(catalog.byUrl('CodeSystem', sourceSystemTagSystem(scheme)).map((r) => r.id)).toEqual([
      'gateway-source-system',
    ]);
  });

  it('each pass the R4 validator and the conformance checks', () => {
    const problems = catalog.all.flatMap((resource) => [
      ...validatorErrors(resource),
      ...conformanceProblems(resource, { contextTypes: SUPPORTED_RESOURCE_TYPES }),
    ]);
    expect(problems).toEqual([]);
  });

  it('a definition broken for R4 fails the validator', () => {
    const sound = catalog.all.find((r): r is CodeSystem => r.resourceType === 'CodeSystem' && !!r.concept);
    expect(sound).toBeDefined();
    const broken = {
      ...sound,
      content: 'most-of-it',
      concept: [{ display: 'no code' }],
    } as unknown as CodeSystem;
    const errors = validatorErrors(broken);
    expect(errors.some((e) => e.includes('CodeSystem.content'))).toBe(true);
    expect(errors.some((e) => e.includes('CodeSystem.concept'))).toBe(true);
  });
});
