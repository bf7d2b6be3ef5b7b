import type { CodeSystem, ValueSet } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { expandValueSets } from './value-set-expansion.ts';

const colours: CodeSystem = {
  resourceType: 'CodeSystem',
  url: 'http://x.test/cs/colour',
  status: 'active',
  content: 'complete',
  concept: [{ code: 'red', concept: [{ code: 'dark-red' }] }, { code: 'blue' }],
};
const partial: CodeSystem = {
  resourceType: 'CodeSystem',
  url: 'http://x.test/cs/partial',
  status: 'active',
  content: 'fragment',
};
const vs = (url: string, compose: ValueSet['compose']): ValueSet => ({
  resourceType: 'ValueSet',
  url,
  status: 'active',
  compose,
});

const terminology = [
  colours,
  partial,
  vs('http://x.test/vs/all', { include: [{ system: colours.url }] }),
  vs('http://x.test/vs/listed', { include: [{ system: colours.url, concept: [{ code: 'blue' }] }] }),
  vs('http://x.test/vs/nested', {
    include: [{ valueSet: ['http://x.test/vs/all'] }],
    exclude: [{ system: colours.url, concept: [{ code: 'red' }] }],
  }),
  vs('http://x.test/vs/filtered', {
    include: [{ system: colours.url, filter: [{ property: 'concept', op: 'is-a', value: 'red' }] }],
  }),
  vs('http://x.test/vs/fragment', { include: [{ system: partial.url }] }),
];

describe('expandValueSets', () => {
  const { byUrl, unexpandable } = expandValueSets(
    [
      'http://x.test/vs/all|4.0.1',
      'http://x.test/vs/listed',
      'http://x.test/vs/nested',
      'http://x.test/vs/filtered',
      'http://x.test/vs/fragment',
      'http://x.test/vs/missing',
    ],
    terminology,
  );

  it('expands whole code systems including nested concepts, ignoring the version', () => {
    expect([...(byUrl.get('http://x.test/vs/all')?.codes ?? [])].sort()).toEqual(['blue', 'dark-red', 'red']);
    expect(byUrl.get('http://x.test/vs/all')?.systemCodes.has('http://x.test/cs/colour|blue')).toBe(true);
  });

  it('expands listed concepts, nested value sets and excludes', () => {
    expect([...(byUrl.get('http://x.test/vs/listed')?.codes ?? [])]).toEqual(['blue']);
    expect([...(byUrl.get('http://x.test/vs/nested')?.codes ?? [])].sort()).toEqual(['blue', 'dark-red']);
  });

  it('reports what it cannot expand instead of guessing', () => {
    expect([...unexpandable].sort()).toEqual([
      'http://x.test/vs/filtered',
      'http://x.test/vs/fragment',
      'http://x.test/vs/missing',
    ]);
  });
});
