import { evalFhirPathTyped, getDataType, toTypedValue } from '@medplum/core';
import { describe, expect, it } from 'vitest';
import { loadFhirDefinitions } from './definitions.ts';
import { compileInvariantGuard } from './invariant-guard.ts';
import { supportedExamples } from './test-fixtures/hl7-examples.ts';
import { walkTypedObjects } from './typed-walk.ts';

const plainKeys = (name: string) => [name];
const valueChoice = (name: string) => (name === 'value' ? ['valueString', 'valueQuantity'] : [name]);

describe('compileInvariantGuard', () => {
  it('decides an `or` chain from one term that is certainly true', () => {
    const qty3 = compileInvariantGuard('code.empty() or system.exists()', plainKeys, 'some-term');
    expect(qty3({ value: 1 })).toBe(true);
    expect(qty3({ code: 'mg', system: 'http://unitsofmeasure.org' })).toBe(true);
    expect(qty3({ code: 'mg' })).toBe(false); // fails: left to the engine, never "holds"
  });

  it('reads choice elements under any of their keys', () => {
    const ext1 = compileInvariantGuard('extension.exists() != value.exists()', valueChoice, 'some-term');
    expect(ext1({ url: 'u', valueQuantity: { value: 1 } })).toBe(true);
    expect(ext1({ url: 'u', extension: [{ url: 'v', valueString: 'x' }] })).toBe(true);
    expect(ext1({ url: 'u', valueString: 'x', extension: [{ url: 'v' }] })).toBe(false);
    expect(ext1({ url: 'u' })).toBe(false);
  });

  it('decides nothing from JSON an engine may read differently', () => {
    const guard = compileInvariantGuard('code.empty() or system.exists()', plainKeys, 'some-term');
    expect(guard({ _code: { extension: [] } })).toBe(false);
    expect(guard({ code: 'x', system: '' })).toBe(false);
    expect(guard({ code: 'x', system: [] })).toBe(false);
    expect(guard({ code: 'x', system: null })).toBe(false);
    expect(guard({ code: 'x', system: {} })).toBe(false);
    expect(guard({ code: '', system: 'y' })).toBe(true); // decided by the other term
    expect(guard({ code: 'x', system: [null] })).toBe(false);
  });

  it('only reads `startsWith` on a single string', () => {
    const ref1 = compileInvariantGuard(
      "reference.startsWith('#').not() or (reference.substring(1) in %rootResource.contained.id)",
      plainKeys,
      'some-term',
    );
    expect(ref1({ reference: 'Patient/1' })).toBe(true);
    expect(ref1({ reference: '#p1' })).toBe(false);
    expect(ref1({ reference: ['Patient/1'] })).toBe(false);
  });

  it('in all-terms mode, needs every term decided and computes `or` of `and`s', () => {
    const dom4 = compileInvariantGuard(
      'contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()',
      plainKeys,
      'all-terms',
    );
    expect(dom4({ id: 'x' })).toBe(true);
    expect(dom4({ contained: [{ resourceType: 'Patient' }] })).toBe(false); // below a present element
    const partly = compileInvariantGuard("code.empty() or code.matches('[a-z]+')", plainKeys, 'all-terms');
    expect(partly({})).toBe(false); // the engine evaluates the other side too, and might throw
  });

  it('gives up on what binds looser than `or`, unknown elements and delimited identifiers', () => {
    for (const expression of [
      'a.empty() implies b.exists()',
      'a.empty() xor b.exists()',
      'a.empty() or b.exists() implies c.exists()',
      '`a`.empty()',
    ]) {
      expect(compileInvariantGuard(expression, plainKeys, 'some-term')({}), expression).toBe(false);
    }
    expect(compileInvariantGuard('a.empty()', () => undefined, 'all-terms')({})).toBe(false);
  });
});

describe('guards against the engines, on every node of the HL7 R4 examples', () => {
  const defs = loadFhirDefinitions();
  const examples = supportedExamples();

  it('never skips a datatype invariant that fhirpath.js finds false, on the nodes or with any one key removed', () => {
    let decided = 0;
    let failing = 0;
    const wrong: string[] = [];
    for (const { file, resource } of examples) {
      walkTypedObjects(resource, (node, modelPath, path) => {
        const invariants = defs.datatypeInvariants.get(modelPath) ?? [];
        if (invariants.length === 0) return;
        // The node as it is, and each variant without one of its keys: many of those break the invariant.
        const variants = [node, ...Object.keys(node).map((key) => ({ ...node, [key]: undefined }))].map(
          (variant) => JSON.parse(JSON.stringify(variant)) as Record<string, unknown>,
        );
        for (const variant of variants) {
          for (const invariant of invariants) {
            let result: unknown[] = [];
            try {
              result = invariant.evaluate(variant);
            } catch {}
            const fails = result.length === 1 && result[0] === false;
            if (fails) failing++;
            if (!invariant.holds(variant)) continue;
            decided++;
            if (fails) wrong.push(`${file} ${path} ${invariant.key} ${Object.keys(variant).join(',')}`);
          }
        }
      });
    }
    expect(wrong).toEqual([]);
    expect(decided).toBeGreaterThan(500);
    expect(failing).toBeGreaterThan(20);
  });

  it('never skips a resource constraint that @medplum/core does not find true', () => {
    let decided = 0;
    const wrong: string[] = [];
    for (const { file, resource } of examples) {
      const schema = getDataType(String(resource.resourceType));
      const root = toTypedValue(resource);
      for (const constraint of schema.constraints ?? []) {
        const keys = (name: string) => {
          if (schema.elements[name] !== undefined) return [name];
          return schema.elements[`${name}[x]`]?.type.map(
            (t) => `${name}${t.code[0]?.toUpperCase()}${t.code.slice(1)}`,
          );
        };
        if (!compileInvariantGuard(constraint.expression, keys, 'all-terms')(resource)) continue;
        decided++;
        const variables = {
          '%context': root,
          '%resource': root,
          '%rootResource': root,
          '%ucum': toTypedValue('http://unitsofmeasure.org'),
        };
        const result = evalFhirPathTyped(constraint.expression, [root], variables);
        if (result.length !== 1 || result[0]?.value !== true) wrong.push(`${file} ${constraint.key}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(decided).toBeGreaterThan(300);
  });
});
