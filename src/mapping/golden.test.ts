import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createIdentityScheme, type SourceSystem } from '../fhir/identity.ts';
import { discoverFixtures, goldenScope } from './fixtures.ts';
import { loadMappingSet } from './load-mapping-set.ts';
import { loadMappingDefinitions } from './mapping-definitions.ts';
import type { MappingSet } from './mapping-set.ts';

/**
 * Runs every golden pair under mappings/<source>/fixtures (docs/mapping-format.md): the input maps
 * to exactly the expected MapResult. New pairs are picked up without touching this file.
 */
const mappingsDir = join(import.meta.dirname, '..', '..', 'mappings');
const fixtures = discoverFixtures(mappingsDir);
const defs = loadMappingDefinitions();
const scheme = createIdentityScheme();

// One set per source, so a broken file of one source does not hide the results of the others.
const sets = new Map<SourceSystem, MappingSet>();
const setFor = (source: SourceSystem) => {
  let set = sets.get(source);
  if (!set) {
    set = loadMappingSet({ dir: mappingsDir, defs, scheme, sources: [source] });
    sets.set(source, set);
  }
  return set;
};

describe('golden pairs', () => {
  it('finds the Epic snapshots at least', () => {
    const epic = fixtures.filter((fixture) => fixture.source === 'epic');
    expect(epic.filter((fixture) => fixture.snapshot).length).toBeGreaterThanOrEqual(20);
  });

  for (const fixture of fixtures) {
    it(`${fixture.source}/${fixture.name}${fixture.snapshot ? ' (snapshot)' : ''}`, () => {
      expect(fixture.expected, `${fixture.expectedFile} is missing`).toBeDefined();
      const result = setFor(fixture.source).forward(
        fixture.source,
        fixture.input.entity,
        fixture.input.record,
        goldenScope(fixture.source),
        fixture.input.options,
      );
      // Through JSON, as the expected file was: only serialisable content counts.
      expect(JSON.parse(JSON.stringify(result))).toEqual(fixture.expected);
    });
  }
});
