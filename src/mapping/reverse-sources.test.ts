import { describe, expect, it } from 'vitest';
import { reverseSources } from './reverse-sources.ts';

describe('reverseSources: which FHIR elements each native field of a reverse template reads', () => {
  it('finds the elements at the start of paths, not functions, variables, members or string literals', () => {
    const sources = reverseSources(
      {
        doctor: '=nativeId(generalPractitioner.first()).toInteger()',
        first_name: "=name.where(use = 'official').given.first()",
        gender: "=gender.translate('drchrono-gender')",
        note: "='birthDate is ' + %today.toString()",
        fixed: 'Male',
        address: { city: '=address.city.first()', $if: '=telecom.exists()' },
        codes: ['=reasonCode.coding.code', '=status'],
      },
      'Patient',
    );
    expect(Object.fromEntries(sources)).toEqual({
      doctor: ['generalPractitioner'],
      first_name: ['name'],
      gender: ['gender'],
      address: ['address', 'telecom'],
    });
  });

  it('keeps only elements of the target type', () => {
    expect(
      Object.fromEntries(reverseSources({ when: '=start', who: '=participant.actor' }, 'Appointment')),
    ).toEqual({
      when: ['start'],
      who: ['participant'],
    });
    expect(reverseSources({ when: '=start' }, 'Patient').size).toBe(0);
    expect(reverseSources('=name', 'Patient').size).toBe(0);
  });
});
