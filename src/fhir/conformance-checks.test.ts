import type { CodeSystem, NamingSystem, StructureDefinition } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { ConformanceCatalogError, createConformanceCatalog } from './conformance-catalog.ts';
import { type ConformanceResource, conformanceProblems } from './conformance-checks.ts';

const options = { contextTypes: ['Task', 'Communication'] };

const codeSystem: CodeSystem = {
  resourceType: 'CodeSystem',
  id: 'cs',
  url: 'urn:fhir-gateway:codesystem:test:kind',
  name: 'TestKind',
  status: 'active',
  description: 'Kinds.',
  content: 'complete',
  count: 3,
  concept: [{ code: 'a', concept: [{ code: 'a1' }] }, { code: 'b' }],
};

const namingSystem: NamingSystem = {
  resourceType: 'NamingSystem',
  id: 'ns',
  name: 'TestIds',
  status: 'active',
  kind: 'identifier',
  date: '2026-12-04',
  description: 'Ids.',
  uniqueId: [{ type: 'uri', value: 'urn:fhir-gateway:codesystem:test:ids', preferred: true }],
};

const extension: StructureDefinition = {
  resourceType: 'StructureDefinition',
  id: 'ext',
  url: 'urn:fhir-gateway:extension:test',
  name: 'TestExtension',
  status: 'active',
  description: 'A test extension.',
  fhirVersion: '4.0.1',
  kind: 'complex-type',
  abstract: false,
  context: [{ type: 'element', expression: 'Task' }],
  type: 'Extension',
  baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Extension',
  derivation: 'constraint',
  differential: {
    element: [
      { id: 'Extension', path: 'Extension' },
      { id: 'Extension.url', path: 'Extension.url', fixedUri: 'urn:fhir-gateway:extension:test' },
      { id: 'Extension.value[x]', path: 'Extension.value[x]', type: [{ code: 'boolean' }] },
    ],
  },
};

/** A copy of `resource` with `change` applied. */
function broken<T extends ConformanceResource>(resource: T, change: (copy: T) => void): T {
  const copy = structuredClone(resource);
  change(copy);
  return copy;
}

describe('conformance checks', () => {
  it('pass sound definitions (nested concepts count)', () => {
    for (const resource of [codeSystem, namingSystem, extension]) {
      expect(conformanceProblems(resource, options)).toEqual([]);
    }
  });

  it.each<[string, ConformanceResource, string]>([
    [
      'a count that is not the concepts',
      broken(codeSystem, (c) => (c.count = 2)),
      'count is 2 but 3 concepts',
    ],
    ['a missing count', broken(codeSystem, (c) => delete c.count), 'count is missing but 3 concepts'],
    [
      'complete without concepts',
      broken(codeSystem, (c) => delete c.concept),
      'content is complete but no concept',
    ],
    [
      'not-present with concepts',
      broken(codeSystem, (c) => (c.content = 'not-present')),
      'content is not-present but concepts are listed',
    ],
    [
      'a code listed twice',
      broken(codeSystem, (c) => {
        c.concept?.push({ code: 'a1' });
        c.count = 4;
      }),
      'codes listed twice: a1',
    ],
    ['no url', broken(codeSystem, (c) => delete c.url), 'url is missing'],
    ['a bad id', broken(codeSystem, (c) => (c.id = 'no/slash')), 'id is missing or not a FHIR id'],
    ['a bad name', broken(codeSystem, (c) => (c.name = 'test kind')), 'not a computable name'],
    ['a draft', broken(codeSystem, (c) => (c.status = 'draft')), 'status is not active'],
    ['no description', broken(namingSystem, (n) => delete n.description), 'description is missing'],
    [
      'no preferred uri',
      broken(namingSystem, (n) => (n.uniqueId = [{ type: 'uri', value: 'urn:x' }])),
      'exactly one preferred uri uniqueId, has 0',
    ],
    [
      'two preferred uris',
      broken(namingSystem, (n) => n.uniqueId.push({ type: 'uri', value: 'urn:y', preferred: true })),
      'has 2',
    ],
    ['a codesystem kind', broken(namingSystem, (n) => (n.kind = 'codesystem')), 'kind is not identifier'],
    ['no context', broken(extension, (e) => delete e.context), 'context is missing'],
    [
      'a context on a type never emitted',
      broken(extension, (e) => (e.context = [{ type: 'element', expression: 'Patient.name' }])),
      'context Patient.name is not on a resource type the gateway emits',
    ],
    [
      'a fhirpath context',
      broken(extension, (e) => (e.context = [{ type: 'fhirpath', expression: 'Task' }])),
      'context type fhirpath is not element',
    ],
    [
      'a fixed url that is not its url',
      broken(extension, (e) => (e.url = 'urn:fhir-gateway:extension:other')),
      'Extension.url is not fixed to the definition url',
    ],
    [
      'no value type',
      broken(extension, (e) => e.differential?.element.pop()),
      'Extension.value[x] names no value type',
    ],
    [
      'a prohibited value and no sub-extension',
      broken(extension, (e) => {
        const elements = e.differential?.element ?? [];
        const value = elements[elements.length - 1];
        if (value) value.max = '0';
      }),
      'Extension.value[x] is prohibited but no sub-extension is sliced',
    ],
    ['not an Extension', broken(extension, (e) => (e.type = 'Task')), 'type is not Extension'],
    [
      'a specialization',
      broken(extension, (e) => (e.derivation = 'specialization')),
      'derivation is not constraint',
    ],
    ['another base', broken(extension, (e) => (e.baseDefinition = 'urn:x')), 'baseDefinition is not'],
    ['a resource kind', broken(extension, (e) => (e.kind = 'resource')), 'kind is not complex-type'],
  ])('report %s', (_what, resource, problem) => {
    const problems = conformanceProblems(resource, options);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${resource.resourceType}/${resource.id}: `);
    expect(problems[0]).toContain(problem);
  });
});

describe('the conformance catalog', () => {
  const catalog = createConformanceCatalog([codeSystem, namingSystem, extension], options);

  it('reads by type and id, and finds by canonical url (a NamingSystem by its preferred uri)', () => {
    expect(catalog.read('CodeSystem', 'cs')).toBe(codeSystem);
    expect(catalog.read('NamingSystem', 'cs')).toBeUndefined();
    expect(catalog.byUrl('NamingSystem', 'urn:fhir-gateway:codesystem:test:ids')).toEqual([namingSystem]);
    expect(catalog.byUrl('StructureDefinition', extension.url)).toEqual([extension]);
    expect(catalog.byUrl('CodeSystem', extension.url)).toEqual([]);
  });

  it('matches a `url|version` search on the version too', () => {
    const versioned = { ...codeSystem, id: 'cs2', url: 'urn:fhir-gateway:codesystem:test:v', version: '2' };
    const withVersion = createConformanceCatalog([versioned], options);
    expect(withVersion.byUrl('CodeSystem', `${versioned.url}|2`)).toEqual([versioned]);
    expect(withVersion.byUrl('CodeSystem', `${versioned.url}|1`)).toEqual([]);
    expect(withVersion.byUrl('CodeSystem', versioned.url)).toEqual([versioned]);
  });

  it('refuses to load broken definitions, naming every problem', () => {
    const duplicateId = { ...codeSystem, url: 'urn:fhir-gateway:codesystem:test:other' };
    const duplicateUrl = { ...codeSystem, id: 'cs3' };
    const badCount = { ...codeSystem, id: 'cs4', url: 'urn:fhir-gateway:codesystem:test:n', count: 9 };
    const load = () =>
      createConformanceCatalog([codeSystem, duplicateId, duplicateUrl, badCount, extension], options);
    expect(load).toThrow(ConformanceCatalogError);
    expect(load).toThrow(
      [
        'Published definitions are broken:',
        'CodeSystem/cs4: count is 9 but 3 concepts are listed',
        'CodeSystem/cs: id used twice',
        'CodeSystem/cs3: url urn:fhir-gateway:codesystem:test:kind used twice',
      ].join('\n'),
    );
  });
});
