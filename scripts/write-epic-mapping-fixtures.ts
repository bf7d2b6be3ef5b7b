/**
 * Writes the Epic regression snapshots (mappings/epic/fixtures/<name>.input.json + .snapshot.json)
 * from the deterministic simulator dataset: every shared record and a sample of one patient's
 * records, so the set is closed under references. A snapshot is the engine's current output, not a
 * proof that it is right: review the diff before committing. Hand-checked expectations live in
 * src/mapping/epic-hand-checked.test.ts.
 * Usage: node scripts/write-epic-mapping-fixtures.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createIdentityScheme } from '../src/fhir/identity.ts';
import { goldenScope } from '../src/mapping/fixtures.ts';
import { loadMappingSet } from '../src/mapping/load-mapping-set.ts';
import { loadMappingDefinitions } from '../src/mapping/mapping-definitions.ts';
import { generateEpicDataset } from '../src/simulators/epic/dataset.ts';

const mappingsDir = join(import.meta.dirname, '..', 'mappings');
const fixturesDir = join(mappingsDir, 'epic', 'fixtures');
const set = loadMappingSet({
  dir: mappingsDir,
  defs: loadMappingDefinitions(),
  scheme: createIdentityScheme(),
  sources: ['epic'],
});
const dataset = generateEpicDataset(7, 1);

const kebab = (type: string) => type.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
const counts = new Map<string, number>();
const keepPerType: Record<string, number> = { Observation: 3 };
const records = [...dataset.records()].filter((record) => {
  const seen = (counts.get(record.resourceType) ?? 0) + 1;
  counts.set(record.resourceType, seen);
  return seen <= (keepPerType[record.resourceType] ?? 10);
});
// A record Epic could send that is not valid FHIR: it must fail (quarantine), not pass.
const observation = records.find((record) => record.resourceType === 'Observation');
const invalid = { ...observation, id: 'eInvalidObservation', status: undefined };

mkdirSync(fixturesDir, { recursive: true });
const numbered = new Map<string, number>();
const write = (name: string, entity: string, record: unknown) => {
  const input = { entity, record: JSON.parse(JSON.stringify(record)) };
  writeFileSync(join(fixturesDir, `${name}.input.json`), `${JSON.stringify(input, null, 2)}\n`);
  const result = set.forward('epic', entity, input.record, goldenScope('epic'));
  writeFileSync(join(fixturesDir, `${name}.snapshot.json`), `${JSON.stringify(result, null, 2)}\n`);
};
for (const record of records) {
  const n = (numbered.get(record.resourceType) ?? 0) + 1;
  numbered.set(record.resourceType, n);
  write(`${kebab(record.resourceType)}-${n}`, record.resourceType, record);
}
write('observation-without-status', 'Observation', invalid);
console.log(`wrote ${records.length + 1} pairs to ${fixturesDir}`);
