import { describe, expect, it } from 'vitest';
import { expressionForType, replaceResolveTypeTests, splitTopLevelUnion } from './fhirpath-expression.ts';

describe('fhirpath expression preparation', () => {
  it('splits unions outside parentheses and strings only', () => {
    expect(splitTopLevelUnion("A.b | (A.c | A.d) | A.e.where(x = 'p|q')")).toEqual([
      'A.b',
      '(A.c | A.d)',
      "A.e.where(x = 'p|q')",
    ]);
  });

  it('keeps the branches of one type plus Resource-wide ones', () => {
    const shared =
      'AllergyIntolerance.patient | CarePlan.subject | (Observation.value as Quantity) | Resource.id';
    expect(expressionForType(shared, 'Observation')).toBe('(Observation.value as Quantity) | Resource.id');
    expect(expressionForType('CarePlan.subject', 'Observation')).toBeUndefined();
  });

  it('turns resolve() type tests into reference prefix tests', () => {
    expect(replaceResolveTypeTests('Task.for.where(resolve() is Patient)')).toBe(
      "Task.for.where(reference.startsWith('Patient/'))",
    );
  });
});
