/**
 * Validation benchmark: resources/s through the full validator and through the fast path
 * (docs/validation.md), on what the sync emits: the mapped resources of DrChrono patients (Patient
 * + Coverage), Jane appointments and Epic Observations, plus the HL7 R4 examples of supported types.
 * Each figure is the best of `rounds` runs, full and fast alternating (load from other processes on
 * a shared machine only ever slows a run down). Before timing, every resource must get the same
 * outcome on both paths.
 *   node bench/validation.ts [--records N] [--rounds R] [--seconds S]
 */
import { parseArgs } from 'node:util';
import type { Resource } from 'fhir/r4';
import { createIdentityScheme, type SourceSystem } from '../src/fhir/identity.ts';
import { supportedExamples } from '../src/fhir/test-fixtures/hl7-examples.ts';
import { validateResource } from '../src/fhir/validate-resource.ts';
import { loadMappingSet } from '../src/mapping/load-mapping-set.ts';
import { loadMappingDefinitions } from '../src/mapping/mapping-definitions.ts';
import { generateDrChronoDataset } from '../src/simulators/drchrono/dataset.ts';
import { generateEpicDataset } from '../src/simulators/epic/dataset.ts';
import { generateJaneDataset } from '../src/simulators/jane/dataset.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '1' },
  },
});
const recordCount = Number(values.records);
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);

const defs = loadMappingDefinitions();
const set = loadMappingSet({
  dir: new URL('../mappings', import.meta.url).pathname,
  defs,
  scheme: createIdentityScheme(),
  sources: ['drchrono', 'jane', 'epic'],
});

function mapped(source: SourceSystem, entity: string, records: unknown[]): Resource[] {
  const scope = { tenant: 'bench', connectionId: `${source}-bench`, source };
  return records.flatMap((record) => {
    const result = set.forward(source, entity, record, scope);
    if (!result.ok) throw new Error(`${source}:${entity} did not map: ${JSON.stringify(result)}`);
    return result.resources;
  });
}

const drchrono = generateDrChronoDataset(11, recordCount);
const jane = generateJaneDataset(11, Math.max(1, Math.ceil(recordCount / 4)));
const epic = generateEpicDataset(11, Math.max(1, Math.ceil(recordCount / 10)));
const take = (count: number, get: (i: number) => unknown) =>
  Array.from({ length: Math.min(recordCount, count) }, (_, i) => get(i));

const cases: Array<{ name: string; resources: readonly unknown[] }> = [
  {
    name: 'DrChrono patients (Patient + Coverage)',
    resources: mapped(
      'drchrono',
      'patients',
      take(drchrono.count('patients'), (i) => drchrono.record('patients', i).record),
    ),
  },
  {
    name: 'Jane appointments',
    resources: mapped(
      'jane',
      'appointments',
      take(jane.counts.appointments, (i) => jane.record('appointments', i).record),
    ),
  },
  {
    name: 'Epic Observations',
    resources: mapped(
      'epic',
      'Observation',
      [...epic.records()].filter((r) => r.resourceType === 'Observation').slice(0, recordCount),
    ),
  },
  { name: 'HL7 R4 examples (supported types)', resources: supportedExamples().map((e) => e.resource) },
];

/** Resources per second over about `seconds`, best of the rounds given. */
function rate(resources: readonly unknown[], fastPath: boolean): number {
  const started = performance.now();
  let done = 0;
  while (performance.now() - started < seconds * 1000) {
    for (const resource of resources) validateResource(defs, resource, { fastPath });
    done += resources.length;
  }
  return done / ((performance.now() - started) / 1000);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(`validation benchmark: best of ${rounds} runs of ~${seconds}s, full and fast path alternating\n`);
console.log('| resources | count | taking the fast path | full validator | fast path | speed-up |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const c of cases) {
  let accepted = 0;
  for (const resource of c.resources) {
    const full = JSON.stringify(validateResource(defs, resource, { fastPath: false }));
    if (JSON.stringify(validateResource(defs, resource)) !== full)
      throw new Error(`${c.name}: outcomes differ`);
    if (defs.fastValidator.accepts(resource as Record<string, unknown>)) accepted++;
  }
  let full = 0;
  let fast = 0;
  for (let round = 0; round < rounds; round++) {
    full = Math.max(full, rate(c.resources, false));
    fast = Math.max(fast, rate(c.resources, true));
  }
  const share = `${Math.round((100 * accepted) / c.resources.length)} %`;
  console.log(
    `| ${c.name} | ${fmt(c.resources.length)} | ${share} | ${fmt(full)}/s | ${fmt(fast)}/s | ${(fast / full).toFixed(1)}× |`,
  );
}
