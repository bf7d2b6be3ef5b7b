import { join } from 'node:path';
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import { describe, expect, it } from 'vitest';
import { discoverFixtures } from './fixtures.ts';
import { compileSimplePath, UNSUPPORTED } from './simple-path.ts';

const mappingsDir = join(import.meta.dirname, '..', '..', 'mappings');

/** Every member path in a JSON value, e.g. `address.city` (arrays left out), up to a depth. */
function memberPaths(value: unknown, prefix = '', depth = 0, into = new Set<string>()): Set<string> {
  if (depth > 3) return into;
  if (Array.isArray(value)) {
    for (const item of value) memberPaths(item, prefix, depth, into);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) continue;
      const path = prefix === '' ? key : `${prefix}.${key}`;
      into.add(path);
      memberPaths(child, path, depth + 1, into);
    }
  }
  return into;
}

describe('simple path fast path', () => {
  it('recognises plain member paths only', () => {
    expect(compileSimplePath('address.city')).toBeDefined();
    expect(compileSimplePath('%item.number')).toBeDefined();
    expect(compileSimplePath("email.where($this != '').exists()")).toBeDefined();
    for (const text of ['true', 'a.where(b)', "a + 'x'", 'a.first()', 'a[0]', '%item.as', '$this.a']) {
      expect(compileSimplePath(text), text).toBeUndefined();
    }
  });

  it('hands FHIR-typed data (resources, fhirpath.js results) back to fhirpath.js', () => {
    const path = compileSimplePath('value') as NonNullable<ReturnType<typeof compileSimplePath>>;
    expect(path({ resourceType: 'Observation', valueQuantity: { value: 1 } }, {})).toBe(UNSUPPORTED);
    expect(path({}, {})).toEqual([]);
  });

  it('gives what fhirpath.js gives for every member path of every native fixture record', () => {
    const records = [
      ...discoverFixtures(mappingsDir)
        .filter((fixture) => fixture.source !== 'epic')
        .map((fixture) => fixture.input.record),
      { a: [1, null, { b: [2, [3]] }], c: null, _d: { x: 1 }, d: 'y', n: 1.5, t: true, o: { p: { q: 'r' } } },
      { e: '', f: ['', 'x', 0, false], g: { h: '' } },
    ];
    let compared = 0;
    for (const record of records) {
      const paths = [...memberPaths(record), 'missing', 'o.p.missing'];
      for (const path of paths) {
        const variants = [path, `%record.${path}`, `${path}.where($this != '')`, `${path}.exists()`];
        for (const text of [...variants, `${path}.where($this != '').exists()`]) {
          const fast = compileSimplePath(text);
          if (!fast) continue;
          const vars = { record };
          let general: (root: unknown, vars: object) => unknown[];
          try {
            general = fhirpath.compile(text, r4Model) as typeof general;
          } catch {
            continue; // e.g. `hours` is a FHIRPath keyword: the engine never builds a fast path for it
          }
          const expected = general(record, vars);
          const actual = fast(record, vars);
          if (actual === UNSUPPORTED) continue;
          expect(actual, text).toEqual(expected);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(20);
  });
});
