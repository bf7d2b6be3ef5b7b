import { describe, expect, it } from 'vitest';
import { referencesIn } from './reference-guard.ts';

describe('referencesIn', () => {
  it('finds every Reference, in lists, nested elements and contained resources, with its path', () => {
    const found = referencesIn(
      {
        resourceType: 'Observation',
        subject: { reference: 'Patient/a' },
        performer: [{ reference: 'Practitioner/b' }, { display: 'no reference' }],
        component: [{ valueString: 'x' }],
        contained: [{ resourceType: 'Patient', generalPractitioner: [{ reference: 'Practitioner/c' }] }],
      },
      'Observation',
    );
    expect(found).toEqual([
      { reference: 'Patient/a', path: 'Observation.subject' },
      { reference: 'Practitioner/b', path: 'Observation.performer[0]' },
      { reference: 'Practitioner/c', path: 'Observation.contained[0].generalPractitioner[0]' },
    ]);
  });
});
