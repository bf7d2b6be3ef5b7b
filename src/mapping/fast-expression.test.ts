import { join } from 'node:path';
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import { describe, expect, it } from 'vitest';
import { createIdentityScheme } from '../fhir/identity.ts';
import { generateDrChronoDataset } from '../simulators/drchrono/dataset.ts';
import { generateJaneDataset } from '../simulators/jane/dataset.ts';
import { createConceptTranslator } from './concept-translator.ts';
import { createDateTimeNormalizer } from './date-time.ts';
import { compileFastExpression } from './fast-expression.ts';
import { createMappingFunctions, mappingInvocationTable } from './fhirpath-functions.ts';
import { discoverFixtures, goldenScope } from './fixtures.ts';
import { loadMappingSet } from './load-mapping-set.ts';
import { loadMappingDefinitions } from './mapping-definitions.ts';
import { RUN_STATE, type RunState, type TemplateVars } from './run-state.ts';
import { UNSUPPORTED } from './simple-path.ts';
import { conceptMap } from './test-support.ts';

const mappingsDir = join(import.meta.dirname, '..', '..', 'mappings');
const defs = loadMappingDefinitions();
const scheme = createIdentityScheme();

const functions = createMappingFunctions({
  translator: createConceptTranslator([conceptMap('m', { a: 'x', b: 'y' }, { mode: 'provided' })]),
  dates: createDateTimeNormalizer(),
});
const table = mappingInvocationTable(functions);
const scope = { tenant: 't', connectionId: 'c', source: 'drchrono' as const };
const vars = (record: unknown, extra: Record<string, unknown> = {}): TemplateVars => {
  const state: RunState = { scope, warnings: [], path: 'x' };
  return { record, ...extra, [RUN_STATE]: state };
};

/** Both paths on one expression: the fast one must give fhirpath.js's answer (or hand back). */
function compare(text: string, record: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const fast = compileFastExpression(text, functions);
  if (!fast) throw new Error(`not in the fast subset: ${text}`);
  const general = fhirpath.compile(text, r4Model, { userInvocationTable: table }) as (
    root: unknown,
    vars: TemplateVars,
  ) => unknown[];
  const fastVars = vars(record, extra);
  const fastResult = fast(record, fastVars);
  const generalVars = vars(record, extra);
  const expected = general(record, generalVars);
  return { fastResult, expected, fastWarnings: fastVars[RUN_STATE].warnings, generalVars };
}

describe('fast expression subset', () => {
  const record = {
    id: 12,
    s: 'D',
    e: '',
    n: 5,
    f: 1.5,
    t: true,
    list: ['a', 'b', ''],
    nums: [1, 2],
    obj: { code: 'a', inner: { v: 'w' } },
    objs: [{ code: 'a' }, { code: 'b' }],
  };
  const expressions = [
    "s = 'D'",
    "s != 'D'",
    "missing = 'D'",
    'n > 3',
    'n <= 3',
    "s in ('A' | 'D')",
    "s in ('A' | 'B')",
    "missing in ('A')",
    "(s in ('A' | 'D')).not() and s != ''",
    "s = 'D' and e.where($this != '').empty()",
    "s = 'X' or t",
    't or missing',
    't and missing',
    "iif(s = 'D', 'dead', 'alive')",
    "iif(s = 'X', 'dead')",
    "iif(missing.exists(), 'yes', 'no')",
    'id.toString()',
    't.toString()',
    'list.first()',
    "list.where($this != '')",
    "objs.where(code = 'b').code",
    'objs.code',
    'obj.inner.v',
    '%record.obj.code',
    '%item',
    "translate('m', obj.code)",
    "translate('m', list.where($this != ''))",
    "translate('m', 'z')",
    "translateCoding('m', s)",
    "translateCoding('m', objs.code).code",
    "ref('Patient', 'patients', id)",
    "ref('Patient', 'patients', nums)",
    "gatewayId('patients', id)",
    "gatewayId('patients', s)",
    "dateOnly('2020-01-02T10:00:00')",
    "instant('2020-01-02T10:00:00')",
    "instant('2020-01-02T10:00:00', %zone)",
    "iif(t, ref('Location', 'offices', n), {})",
    'nums.where($this > 1)',
    "('a' | 'b' | 'a')",
    'true',
    '3',
  ];
  for (const text of expressions) {
    it(`gives fhirpath.js's result for ${text}`, () => {
      const { fastResult, expected, fastWarnings, generalVars } = compare(text, record, {
        item: 'a',
        zone: 'America/Toronto',
      });
      expect(fastResult).not.toBe(UNSUPPORTED);
      expect(fastResult).toEqual(fhirpath.resolveInternalTypes(expected));
      expect(fastWarnings).toEqual(generalVars[RUN_STATE].warnings);
    });
  }

  it('leaves the rest of FHIRPath to fhirpath.js', () => {
    for (const text of [
      "a ~ 'x'",
      'a.select(b)',
      "'a\\'b'",
      '1.5',
      'a xor b',
      "a.translate('m', b)",
      'a.count()',
    ]) {
      expect(compileFastExpression(text, functions), text).toBeUndefined();
    }
  });

  it('hands back what it cannot decide like fhirpath.js: typed data, several items, mixed types', () => {
    for (const [text, data] of [
      ['s', { resourceType: 'Patient', s: 'x' }],
      ["s = 'x'", { s: ['x', 'y'] }],
      ["s = 'x'", { s: 1 }],
      ['s.toString()', { s: 1.5 }],
      ['s.not()', { s: 'x' }],
      ["iif(s, 'a', 'b')", { s: 'x' }],
      ['s.where($this).exists()', { s: 'x' }],
      ['s.toString()', { s: ['a', 'b'] }],
    ] as const) {
      const fast = compileFastExpression(text, functions);
      expect(fast?.(data, vars(data)), text).toBe(UNSUPPORTED);
    }
  });
});

describe('fast paths against fhirpath.js over whole mappings', () => {
  const fast = loadMappingSet({ dir: mappingsDir, defs, scheme, fastPaths: true });
  const general = loadMappingSet({ dir: mappingsDir, defs, scheme, fastPaths: false });

  const records: Array<{ source: 'drchrono' | 'jane' | 'epic'; entity: string; record: unknown }> = [
    ...discoverFixtures(mappingsDir).map((fixture) => ({
      source: fixture.source,
      entity: fixture.input.entity,
      record: fixture.input.record,
    })),
  ];
  const drchrono = generateDrChronoDataset(3, 40);
  for (const entity of fast.entities('drchrono')) {
    let count = 0;
    try {
      count = Math.min(drchrono.count(entity), 15);
    } catch {
      // not an entity the simulator generates
    }
    for (let i = 0; i < count; i++)
      records.push({ source: 'drchrono', entity, record: drchrono.record(entity, i).record });
  }
  const jane = generateJaneDataset(3, 20);
  for (const [entity, total] of Object.entries(jane.counts)) {
    if (!fast.entities('jane').includes(entity)) continue;
    for (let i = 0; i < Math.min(total, 15); i++) {
      records.push({ source: 'jane', entity, record: jane.record(entity as never, i).record });
    }
  }

  it('maps every fixture record and simulator sample identically, forward and reverse', () => {
    let reversed = 0;
    for (const { source, entity, record } of records) {
      const a = fast.forward(source, entity, record, goldenScope(source));
      const b = general.forward(source, entity, record, goldenScope(source));
      expect(a, `${source}:${entity}`).toEqual(b);
      if (!a.ok) continue;
      for (const resource of a.resources) {
        const mapping = fast.mappingsFor(source, entity).find((m) => m.target === resource.resourceType);
        if (!mapping?.hasReverse) continue;
        // Every reference resolves (to one made-up id), so the whole payload is compared.
        const options = { resolveNativeId: () => '7' };
        const payload = fast.reverse(source, entity, resource, options);
        expect(payload, `${source}:${entity} reverse`).toEqual(
          general.reverse(source, entity, resource, options),
        );
        expect(payload.ok, `${source}:${entity} reverse`).toBe(true);
        reversed++;
      }
    }
    expect(records.length).toBeGreaterThan(150);
    expect(reversed).toBeGreaterThan(20);
  });
});
