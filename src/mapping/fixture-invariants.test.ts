import { join } from 'node:path';
import type { Resource } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { SOURCE_SYSTEMS } from '../fhir/identity.ts';
import { errorIssues } from '../fhir/operation-outcome.ts';
import { parseLiteralReference } from '../fhir/references.ts';
import { validateResource } from '../fhir/validate-resource.ts';
import { discoverFixtures } from './fixtures.ts';
import { loadMappingDefinitions } from './mapping-definitions.ts';
import { readAllowList } from './unmapped-report.ts';

/** FHIR-Converter-style invariants over each source's whole fixture set (the expected outputs). */
const mappingsDir = join(import.meta.dirname, '..', '..', 'mappings');
const defs = loadMappingDefinitions();
const fixtures = discoverFixtures(mappingsDir);

function outputs(source: string): Resource[] {
  return fixtures
    .filter((fixture) => fixture.source === source)
    .flatMap((fixture) => {
      const expected = fixture.expected as { ok?: boolean; resources?: Resource[] } | undefined;
      return expected?.ok ? (expected.resources ?? []) : [];
    });
}

/** Paths of empty objects, arrays, strings and nulls (FHIR forbids empty elements). */
function emptyElements(value: unknown, path: string): string[] {
  if (value === null || value === '') return [path];
  if (Array.isArray(value)) {
    return value.length === 0 ? [path] : value.flatMap((item, i) => emptyElements(item, `${path}[${i}]`));
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length === 0
      ? [path]
      : entries.flatMap(([key, child]) => emptyElements(child, `${path}.${key}`));
  }
  return [];
}

function references(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(references);
  if (typeof value !== 'object' || value === null) return [];
  const own =
    typeof (value as { reference?: unknown }).reference === 'string'
      ? [(value as { reference: string }).reference]
      : [];
  return [...own, ...Object.values(value).flatMap(references)];
}

const sources = SOURCE_SYSTEMS.filter((source) => outputs(source).length > 0);

describe.each(sources)('fixture set of %s', (source) => {
  const resources = outputs(source);
  const keys = resources.map((resource) => `${resource.resourceType}/${resource.id}`);
  const allowedTypes = new Set(Object.keys(readAllowList(mappingsDir, source).referenceTypes));

  it('has unique resource ids', () => {
    expect(keys.filter((key, index) => keys.indexOf(key) !== index)).toEqual([]);
  });

  it('has references that resolve within the set or to an allow-listed type', () => {
    const known = new Set(keys);
    const dangling = resources.flatMap((resource) =>
      references(resource).filter((reference) => {
        const parsed = parseLiteralReference(reference);
        return !known.has(reference) && !(parsed && allowedTypes.has(parsed.resourceType));
      }),
    );
    expect(dangling).toEqual([]);
  });

  it('has no empty elements', () => {
    expect(
      resources.flatMap((resource) => emptyElements(resource, `${resource.resourceType}/${resource.id}`)),
    ).toEqual([]);
  });

  it('has only valid FHIR R4 resources', () => {
    const invalid = resources.flatMap((resource) =>
      errorIssues(validateResource(defs, resource)).map(
        (issue) => `${resource.resourceType}/${resource.id}: ${issue.diagnostics}`,
      ),
    );
    expect(invalid).toEqual([]);
  });
});
