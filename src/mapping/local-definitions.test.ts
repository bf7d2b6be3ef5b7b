import { join } from 'node:path';
import type { Resource } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { localUrlsInMappingFiles } from '../../test/support/local-urls.ts';
import { loadFhirDefinitions } from '../fhir/definitions.ts';
import { errorIssues } from '../fhir/operation-outcome.ts';
import { validateResource } from '../fhir/validate-resource.ts';
import { loadLocalDefinitions, namingSystemUri } from './local-definitions.ts';
import { localDefinitionProblems } from './meaning/local-definitions-check.ts';

/**
 * The gateway-local URLs the mappings can emit are published (mappings/definitions/), and nothing
 * published is stale. What the output really carries is checked by the meaning checks over the
 * fixtures and generated samples (meaning.test.ts, `definitions`); this file checks the mapping
 * files themselves, so a URL no fixture reaches is still covered.
 */
const mappingsDir = join(import.meta.dirname, '..', '..', 'mappings');
const definitions = loadLocalDefinitions(mappingsDir);
const urlsInMappingFiles = () => localUrlsInMappingFiles(mappingsDir);

const published = new Set([
  ...definitions.codeSystems.keys(),
  ...definitions.namingSystems.keys(),
  ...definitions.extensions.keys(),
]);

describe('published local definitions', () => {
  it('cover every local URL the mapping files can emit', () => {
    const written = urlsInMappingFiles();
    expect(written.size).toBeGreaterThan(30);
    expect([...written].filter((url) => !published.has(url)).sort()).toEqual([]);
  });

  it('are all in use (no definition outlives its mapping)', () => {
    const written = urlsInMappingFiles();
    expect([...published].filter((url) => !written.has(url)).sort()).toEqual([]);
  });

  it('are valid FHIR R4', () => {
    const defs = loadFhirDefinitions({
      resourceTypes: ['CodeSystem', 'NamingSystem', 'StructureDefinition'],
    });
    const all = [
      ...definitions.codeSystems.values(),
      ...definitions.namingSystems.values(),
      ...definitions.extensions.values(),
    ];
    const problems = all.flatMap((resource) =>
      errorIssues(validateResource(defs, resource)).map(
        (issue) => `${resource.resourceType}/${resource.id}: ${issue.expression?.[0]} ${issue.diagnostics}`,
      ),
    );
    expect(problems).toEqual([]);
    // The local extensions' fixed url agrees with the definition's own url.
    for (const extension of definitions.extensions.values()) {
      const url = extension.differential?.element.find((e) => e.path === 'Extension.url')?.fixedUri;
      expect(url, extension.id).toBe(extension.url);
    }
    for (const system of definitions.namingSystems.values()) {
      expect(namingSystemUri(system)).toMatch(/^urn:fhir-gateway:codesystem:/);
    }
  });
});

describe('the local definitions check', () => {
  it('reports an unpublished system, an undefined code, an unpublished or misplaced extension and a wrong value type', () => {
    const resource = {
      resourceType: 'Communication',
      id: 'c1',
      status: 'completed',
      identifier: [{ system: 'urn:fhir-gateway:codesystem:drchrono:nowhere', value: '1' }],
      category: [
        { coding: [{ system: 'urn:fhir-gateway:codesystem:drchrono:message-kind', code: 'fax' }] },
        { coding: [{ system: 'urn:fhir-gateway:codesystem:drchrono:mystery', code: 'x' }] },
      ],
      extension: [
        { url: 'urn:fhir-gateway:extension:unknown', valueBoolean: true },
        { url: 'urn:fhir-gateway:extension:global', valueBoolean: true },
        { url: 'urn:fhir-gateway:extension:call-duration', valueString: '5 min' },
      ],
    } as unknown as Resource;
    expect(localDefinitionProblems([resource], definitions)).toEqual([
      'code system urn:fhir-gateway:codesystem:drchrono:message-kind: code fax not defined',
      'code system urn:fhir-gateway:codesystem:drchrono:mystery: no CodeSystem',
      'extension urn:fhir-gateway:extension:call-duration: valueString is not its value type',
      'extension urn:fhir-gateway:extension:global: not defined for Communication',
      'extension urn:fhir-gateway:extension:unknown: no StructureDefinition',
      'identifier system urn:fhir-gateway:codesystem:drchrono:nowhere: no NamingSystem',
    ]);
  });
});
