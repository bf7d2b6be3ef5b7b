import type { Clock } from '../common/clock.ts';
import { type GeneratedKind, generateJaneDataset, type MedicationHistoryEntry } from './dataset.ts';
import { recordRng, uuidV7 } from './ids.ts';
import { parseSeedRecords, REFERENCES, SeedRecordsError } from './seed-records.ts';
import { type ClinicStore, createClinicStore } from './store.ts';

/** One simulated Jane clinic: its records and who "signs in" when a partner app is approved. */
export type Clinic = {
  slug: string;
  seed: number;
  store: ClinicStore;
  company: Record<string, unknown>;
  /** The staff member who approves consent; writes default their practitioner_id to them. */
  owner: { id: string; name: string; email: string };
};

const LOAD_ORDER: GeneratedKind[] = [
  'disciplines',
  'treatments',
  'staff_members',
  'locations',
  'patients',
  'appointments',
  'observations',
  'care_plans',
  'medications',
];

export function createClinic(opts: {
  slug: string;
  seed: number;
  /** Generated patients; undefined with seed records means "seed records only". */
  patients: number | undefined;
  seedRecords: unknown;
  clock: Clock;
  deepLinkBase: string;
}): Clinic {
  const store = createClinicStore(opts.clock);
  const generate = opts.patients !== undefined || opts.seedRecords === undefined;
  const dataset = generateJaneDataset(opts.seed, generate ? (opts.patients ?? 0) : 0, {
    deepLinkBase: opts.deepLinkBase,
  });
  if (generate) {
    for (const kind of LOAD_ORDER) {
      for (const entry of dataset.records(kind)) store.insert(kind, entry);
    }
    for (let i = 0; i < dataset.counts.medications; i++) {
      store.medicationHistory.set(dataset.id('medications', i), dataset.medicationHistory(i));
    }
  }

  let company = dataset.company();
  if (opts.seedRecords !== undefined) {
    const seed = parseSeedRecords(opts.seedRecords, { now: opts.clock(), seed: opts.seed });
    const problems: string[] = [];
    for (const { kind, entry } of seed.records) {
      if (store.get(kind, entry.record.id)) problems.push(`${kind}: duplicate id ${entry.record.id}`);
      else store.insert(kind, entry);
    }
    problems.push(...danglingReferences(store));
    if (problems.length) throw new SeedRecordsError(problems);
    if (seed.company) company = { ...company, ...seed.company };
  }

  const ownerEntry = store.entries('staff_members')[0];
  const owner = ownerEntry
    ? {
        id: ownerEntry.id,
        name: `${String(ownerEntry.record.first_name ?? '')} ${String(ownerEntry.record.last_name ?? '')}`.trim(),
        email: String(ownerEntry.record.email ?? 'owner@clinic.example.com'),
      }
    : {
        id: uuidV7(opts.clock(), recordRng(opts.seed, 9100, 0)),
        name: 'Clinic Owner',
        email: 'owner@clinic.example.com',
      };

  for (const entry of store.entries('medications')) {
    if (store.medicationHistory.has(entry.id)) continue;
    const created: MedicationHistoryEntry = {
      event: 'create',
      occurred_at: new Date(entry.createdAt).toISOString(),
      modified_by: owner,
      changes: [{ attribute: 'status', from: null, to: entry.record.status }],
      reason: null,
    };
    store.medicationHistory.set(entry.id, [created]);
  }
  return { slug: opts.slug, seed: opts.seed, store, company, owner };
}

/** Every reference a seed file makes must resolve inside the clinic (positions, not contents). */
function danglingReferences(store: ClinicStore): string[] {
  const problems: string[] = [];
  for (const [kind, refs] of Object.entries(REFERENCES) as [GeneratedKind, Record<string, GeneratedKind>][]) {
    store.entries(kind).forEach((entry, index) => {
      for (const [field, target] of Object.entries(refs)) {
        const value = entry.record[field];
        if (typeof value === 'string' && !store.get(target, value)) {
          problems.push(`${kind}[${index}].${field}: no ${target} with id ${value}`);
        }
      }
    });
  }
  return problems;
}
