import type { Resource } from 'fhir/r4';
import type { SourceSystem } from '../../fhir/identity.ts';
import { generateDrChronoDataset } from '../../simulators/drchrono/dataset.ts';
import { generateEpicDataset } from '../../simulators/epic/dataset.ts';
import { generateJaneDataset } from '../../simulators/jane/dataset.ts';
import { goldenScope } from '../fixtures.ts';
import type { ForwardOptions, MappingSet } from '../mapping-set.ts';

export type SampleRecord = { entity: string; record: unknown };
export type MappedSample = { resources: Resource[]; failures: string[]; records: number };

/** Lab records that name only their order: the connector copies the order's patient in. */
const ORDER_CHILDREN = new Set(['lab_documents', 'lab_tests', 'lab_results']);

/**
 * Every record of every entity the mappings know, from a small deterministic simulator dataset of
 * each source: a closed world, so every reference should land on something emitted. DrChrono lab
 * documents, tests and results get their order's patient, as the connector copies it in (DrChrono's lab document API
 * names only the order).
 */
export function sampleRecords(source: SourceSystem, set: MappingSet, patients: number): SampleRecord[] {
  const known = new Set(set.entities(source));
  const out: SampleRecord[] = [];
  if (source === 'drchrono') {
    const dataset = generateDrChronoDataset(11, patients);
    const orderPatient = new Map<number, unknown>();
    for (let i = 0; i < dataset.count('lab_orders'); i++) {
      const order = dataset.record('lab_orders', i).record as { id: number; patient: unknown };
      orderPatient.set(order.id, order.patient);
    }
    for (const entity of dataset.resources()) {
      if (!known.has(entity)) continue;
      for (let i = 0; i < dataset.count(entity); i++) {
        let record = dataset.record(entity, i).record as Record<string, unknown>;
        if (ORDER_CHILDREN.has(entity)) {
          record = { ...record, patient: orderPatient.get(Number(record.lab_order)) };
        }
        out.push({ entity, record });
      }
    }
  } else if (source === 'jane') {
    const dataset = generateJaneDataset(11, patients);
    for (const [entity, total] of Object.entries(dataset.counts)) {
      if (!known.has(entity)) continue;
      for (let i = 0; i < total; i++) out.push({ entity, record: dataset.record(entity as never, i).record });
    }
  } else {
    for (const record of generateEpicDataset(11, Math.max(1, Math.floor(patients / 4))).records()) {
      if (known.has(record.resourceType)) out.push({ entity: record.resourceType, record });
    }
  }
  return out;
}

/** What a connector passes per connection: the office's / clinic's zone, the clinic's currency. */
export const SAMPLE_OPTIONS: Record<SourceSystem, ForwardOptions> = {
  drchrono: { timeZone: 'America/Chicago' },
  jane: { timeZone: 'America/Vancouver', currency: 'CAD' },
  epic: {},
};

/** Maps a sample in the golden scope; failures are `entity: reason` (reasons name no values). */
export function mapSample(source: SourceSystem, set: MappingSet, records: SampleRecord[]): MappedSample {
  const resources: Resource[] = [];
  const failures: string[] = [];
  for (const { entity, record } of records) {
    const result = set.forward(source, entity, record, goldenScope(source), SAMPLE_OPTIONS[source]);
    if (result.ok) resources.push(...result.resources);
    else if (!('skipped' in result)) failures.push(`${entity}: ${result.reason} (${result.path})`);
  }
  return { resources, failures, records: records.length };
}
