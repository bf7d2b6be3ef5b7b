import { describe, expect, it } from 'vitest';
import { choiceTypesAgree, findConflictingChoiceTypes } from './choice-type-check.ts';

describe('choice types: one type per choice element', () => {
  const cases: Array<[string, Record<string, unknown>, string, boolean]> = [
    ['no choice key', { resourceType: 'Patient', active: true }, 'Patient', true],
    ['one type', { resourceType: 'Patient', deceasedBoolean: false }, 'Patient', true],
    [
      'a value and its own primitive extension',
      { resourceType: 'Patient', deceasedBoolean: false, _deceasedBoolean: { id: 'x' } },
      'Patient',
      true,
    ],
    [
      'two types',
      { resourceType: 'Patient', deceasedBoolean: false, deceasedDateTime: '2020-01-01' },
      'Patient',
      false,
    ],
    [
      "a type and another type's extension",
      { resourceType: 'Patient', deceasedBoolean: false, _deceasedDateTime: { id: 'x' } },
      'Patient',
      false,
    ],
    [
      'two choice elements, one type each',
      { resourceType: 'Patient', deceasedBoolean: false, multipleBirthInteger: 2 },
      'Patient',
      true,
    ],
  ];
  for (const [what, node, modelPath, agrees] of cases) {
    it(`${what}: ${agrees ? 'agrees' : 'conflicts'}, as the full check reports`, () => {
      expect(choiceTypesAgree(node, modelPath)).toBe(agrees);
      expect(findConflictingChoiceTypes(node).length === 0).toBe(agrees);
    });
  }

  it('checks nested objects by their model path (Observation.component)', () => {
    const component = { code: { text: 'x' }, valueQuantity: { value: 1 }, valueString: 'one' };
    expect(choiceTypesAgree(component, 'Observation.component')).toBe(false);
    expect(choiceTypesAgree({ code: { text: 'x' }, valueString: 'one' }, 'Observation.component')).toBe(true);
    // The same keys at a path without choice elements are not choice keys.
    expect(choiceTypesAgree(component, 'Patient.contact')).toBe(true);
    expect(
      findConflictingChoiceTypes({
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'x' },
        component: [component],
      }),
    ).toHaveLength(1);
  });
});
