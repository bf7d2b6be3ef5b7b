import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createIdentityScheme } from '../fhir/identity.ts';
import { generateDrChronoDataset } from '../simulators/drchrono/dataset.ts';
import { loadMappingSet } from './load-mapping-set.ts';
import { loadMappingDefinitions } from './mapping-definitions.ts';

/**
 * Every DrChrono record type the API serves (the simulator's record types) is mapped by some file,
 * or listed in mappings/drchrono/unmapped-entities.json with the reason it is not: no record type
 * is left out silently, and the list names no mapped or unknown type.
 */
const mappingsDir = join(import.meta.dirname, '..', '..', 'mappings');
const listed = JSON.parse(
  readFileSync(join(mappingsDir, 'drchrono', 'unmapped-entities.json'), 'utf8'),
) as Record<string, Record<string, string> | string>;
const reasons = Object.entries(listed)
  .filter(([group]) => !group.startsWith('_'))
  .flatMap(([, entries]) => Object.entries(entries as Record<string, string>));
const set = loadMappingSet({
  dir: mappingsDir,
  defs: loadMappingDefinitions(),
  scheme: createIdentityScheme(),
  sources: ['drchrono'],
});
const served = generateDrChronoDataset(1, 10).resources();
const mapped = new Set(set.entities('drchrono'));

describe('DrChrono record types', () => {
  it('are each mapped or listed with a reason', () => {
    const listedNames = new Set(reasons.map(([entity]) => entity));
    expect(served.filter((entity) => !mapped.has(entity) && !listedNames.has(entity))).toEqual([]);
  });

  it('are listed only when served, not mapped, and with a real reason', () => {
    expect(reasons.filter(([entity]) => !served.includes(entity) || mapped.has(entity))).toEqual([]);
    expect(reasons.filter(([, reason]) => reason.trim().length < 20)).toEqual([]);
    expect(new Set(reasons.map(([entity]) => entity)).size).toBe(reasons.length);
  });
});
