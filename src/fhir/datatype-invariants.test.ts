import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkDatatypeInvariants, compileDatatypeInvariants } from './datatype-invariants.ts';
import { loadFhirDefinitions } from './definitions.ts';

const defs = loadFhirDefinitions({ resourceTypes: ['Patient'] });

describe('datatype invariants', () => {
  afterEach(() => vi.restoreAllMocks());

  it('evaluates ref-1 (which calls trace()) without printing to stdout', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const invariants = compileDatatypeInvariants(defs.structureDefinitions.values());
    const issues = checkDatatypeInvariants(invariants, {
      resourceType: 'Patient',
      generalPractitioner: [{ reference: 'Practitioner/p1' }],
    });
    expect(issues).toEqual([]);
    expect(log).not.toHaveBeenCalled();
  });
});
