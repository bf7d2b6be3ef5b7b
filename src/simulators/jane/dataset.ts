import type { Rng } from '../common/rng.ts';
import type { JaneKind } from './catalog.ts';
import { recordRng, uuidV7 } from './ids.ts';
import {
  buildAppointment,
  buildCarePlan,
  buildDiscipline,
  buildLocation,
  buildMedication,
  buildObservation,
  buildPatient,
  buildStaffMember,
  buildTreatment,
  type NativeRecord,
} from './record-builders.ts';
import {
  CLINIC_NAMES,
  DISCIPLINES,
  MEDICATION_CHANGE_REASONS,
  TIME_ZONES,
  TREATMENTS,
} from './vocabulary.ts';

/** A native record plus what the server tracks about it but Jane's payload may not show. */
export type GeneratedRecord = {
  record: NativeRecord;
  createdAt: number;
  updatedAt: number;
  /** Data used for filtering only (treatments' offering staff). */
  internal?: Record<string, unknown>;
};

export type MedicationHistoryEntry = {
  event: 'create' | 'update' | 'destroy';
  occurred_at: string;
  modified_by: { id: string; name: string; email: string } | null;
  changes: { attribute: string; from: unknown; to: unknown }[];
  reason: string | null;
};

export type GeneratedKind = Exclude<JaneKind, 'document_uploads'>;

/**
 * A deterministic synthetic clinic. Every record is a pure function of (seed, kind, index), so
 * the dataset costs nothing until read and any record can be built alone: a million patients
 * (and the ~7 million related records) are addressable without materializing them.
 */
export type JaneDataset = {
  seed: number;
  size: number;
  counts: Readonly<Record<GeneratedKind, number>>;
  id(kind: GeneratedKind, index: number): string;
  record(kind: GeneratedKind, index: number): GeneratedRecord;
  records(kind: GeneratedKind): Iterable<GeneratedRecord>;
  medicationHistory(index: number): MedicationHistoryEntry[];
  company(): Record<string, unknown>;
};

export type DatasetOptions = {
  /** Base of the patients' `deep_links.profile.web` links. */
  deepLinkBase?: string;
};

const DAY = 86_400_000;
/** Generated history spans these two years; everything after is made by `tick`. */
export const DATASET_START = Date.UTC(2024, 0, 1);
export const DATASET_END = Date.UTC(2026, 0, 1);
const DIRECTORY_START = Date.UTC(2023, 0, 1);

const STREAM: Record<GeneratedKind, number> = {
  patients: 1,
  appointments: 2,
  staff_members: 3,
  locations: 4,
  disciplines: 5,
  treatments: 6,
  observations: 7,
  care_plans: 8,
  medications: 9,
};
const COMPANY_STREAM = 10;

/** Creation windows per kind: records are spread evenly so creation order equals index order. */
const WINDOWS: Record<GeneratedKind, readonly [number, number]> = {
  staff_members: [DIRECTORY_START, DIRECTORY_START + 300 * DAY],
  locations: [DIRECTORY_START, DIRECTORY_START + 30 * DAY],
  disciplines: [DIRECTORY_START, DIRECTORY_START + 10 * DAY],
  treatments: [DIRECTORY_START + 10 * DAY, DIRECTORY_START + 20 * DAY],
  patients: [DATASET_START, DATASET_END - 30 * DAY],
  appointments: [DATASET_START + 14 * DAY, DATASET_END],
  observations: [DATASET_START + 30 * DAY, DATASET_END],
  care_plans: [DATASET_START + 30 * DAY, DATASET_END],
  medications: [DATASET_START + 30 * DAY, DATASET_END],
};

const ONE_ON_ONE = TREATMENTS.flatMap((t, i) => (t.bookingType === 'one_on_one_booking' ? [i] : []));

export function datasetCounts(size: number): Record<GeneratedKind, number> {
  if (!Number.isInteger(size) || size < 0) throw new Error('dataset size must be a non-negative integer');
  return {
    patients: size,
    appointments: size * 3,
    staff_members: Math.max(DISCIPLINES.length, Math.min(2000, Math.ceil(size / 50))),
    locations: Math.max(1, Math.min(50, Math.ceil(size / 2000))),
    disciplines: DISCIPLINES.length,
    treatments: TREATMENTS.length,
    observations: size * 2,
    care_plans: Math.ceil(size / 4),
    medications: Math.ceil(size / 2),
  };
}

export function generateJaneDataset(seed: number, size: number, options: DatasetOptions = {}): JaneDataset {
  const counts = datasetCounts(size);
  const deepLinkBase = options.deepLinkBase ?? 'https://demo-clinic.janeapp.test';

  /** The record's stream; its first draw places it in its slot, the next three make its id. */
  const start = (kind: GeneratedKind, index: number): { rng: Rng; createdAt: number; id: string } => {
    if (!Number.isInteger(index) || index < 0 || index >= counts[kind]) {
      throw new RangeError(`${kind} index ${index} is outside the dataset`);
    }
    const rng = recordRng(seed, STREAM[kind], index);
    const [from, to] = WINDOWS[kind];
    const slot = (to - from) / counts[kind];
    const createdAt = Math.floor(from + index * slot + rng.next() * slot);
    return { rng, createdAt, id: uuidV7(createdAt, rng) };
  };
  const id = (kind: GeneratedKind, index: number) => start(kind, index).id;

  /** Patients created by `at` are those whose slot ended by then. */
  const patientCreatedBefore = (rng: Rng, at: number): number => {
    const [from, to] = WINDOWS.patients;
    const slot = (to - from) / counts.patients;
    const available = Math.min(counts.patients, Math.floor((at - from) / slot));
    return available > 0 ? rng.int(0, available - 1) : 0;
  };
  const staffIndexFor = (rng: Rng, disciplineIndex: number): number => {
    const n = counts.staff_members;
    const d = disciplineIndex % DISCIPLINES.length;
    if (n <= d) return rng.int(0, n - 1);
    return d + DISCIPLINES.length * rng.int(0, Math.floor((n - 1 - d) / DISCIPLINES.length));
  };
  const laterUpdate = (rng: Rng, createdAt: number, probability: number): number =>
    rng.chance(probability)
      ? createdAt + Math.floor(rng.next() * Math.max(0, DATASET_END - createdAt))
      : createdAt;
  const childId = (parentCreatedAt: number, kind: GeneratedKind, index: number) => (i: number) =>
    uuidV7(parentCreatedAt, recordRng(seed, STREAM[kind] * 1000 + i + 1, index));

  const builders: Record<GeneratedKind, (index: number) => GeneratedRecord> = {
    staff_members(index) {
      const { rng, createdAt, id } = start('staff_members', index);
      const record = buildStaffMember(rng, id, index % DISCIPLINES.length);
      return { record, createdAt, updatedAt: laterUpdate(rng, createdAt, 0.3) };
    },
    locations(index) {
      const { rng, createdAt, id } = start('locations', index);
      return {
        record: buildLocation(rng, id, index),
        createdAt,
        updatedAt: laterUpdate(rng, createdAt, 0.2),
      };
    },
    disciplines(index) {
      const { rng, createdAt, id } = start('disciplines', index);
      const def = DISCIPLINES[index % DISCIPLINES.length];
      if (!def) throw new Error('discipline table is empty');
      return { record: buildDiscipline(def, id), createdAt, updatedAt: laterUpdate(rng, createdAt, 0.1) };
    },
    treatments(index) {
      const { rng, createdAt, id } = start('treatments', index);
      const def = TREATMENTS[index % TREATMENTS.length];
      const disciplineIndex = def?.disciplineIndex ?? 0;
      const record = buildTreatment(index, id, builders.disciplines(disciplineIndex).record.id);
      const staff: string[] = [];
      for (let s = disciplineIndex; s < counts.staff_members; s += DISCIPLINES.length) {
        staff.push(id_('staff_members', s));
      }
      return {
        record,
        createdAt,
        updatedAt: laterUpdate(rng, createdAt, 0.3),
        internal: { staff_member_ids: staff },
      };
    },
    patients(index) {
      const { rng, createdAt, id } = start('patients', index);
      const record = buildPatient(rng, { id, number: index, createdAt, deepLinkBase });
      return { record, createdAt, updatedAt: laterUpdate(rng, createdAt, 0.4) };
    },
    appointments(index) {
      const { rng, createdAt, id } = start('appointments', index);
      const treatmentIndex = rng.pick(ONE_ON_ONE);
      const treatment = TREATMENTS[treatmentIndex];
      const built = buildAppointment(rng, {
        id,
        bookedAt: createdAt,
        now: DATASET_END,
        patientId: id_('patients', patientCreatedBefore(rng, createdAt)),
        staffMemberId: id_('staff_members', staffIndexFor(rng, treatment?.disciplineIndex ?? 0)),
        locationId: id_('locations', rng.int(0, counts.locations - 1)),
        treatmentId: id_('treatments', treatmentIndex),
        scheduledSeconds: treatment ? (treatment.minutes + treatment.bufferMinutes) * 60 : 3600,
        firstVisit: rng.chance(0.2),
      });
      return { record: built.record, createdAt, updatedAt: built.updatedAt };
    },
    observations(index) {
      const { rng, createdAt, id } = start('observations', index);
      const record = buildObservation(rng, {
        id,
        patientId: id_('patients', patientCreatedBefore(rng, createdAt)),
        practitionerId: id_('staff_members', rng.int(0, counts.staff_members - 1)),
        issuedAt: createdAt,
        idFor: childId(createdAt, 'observations', index),
      });
      return { record, createdAt, updatedAt: laterUpdate(rng, createdAt, 0.1) };
    },
    care_plans(index) {
      const { rng, createdAt, id } = start('care_plans', index);
      const record = buildCarePlan(rng, {
        id,
        patientId: id_('patients', patientCreatedBefore(rng, createdAt)),
        practitionerId: id_('staff_members', rng.int(0, counts.staff_members - 1)),
        createdAt,
        idFor: childId(createdAt, 'care_plans', index),
      });
      return { record, createdAt, updatedAt: createdAt };
    },
    medications(index) {
      const { rng, createdAt, id } = start('medications', index);
      const record = buildMedication(rng, {
        id,
        patientId: id_('patients', patientCreatedBefore(rng, createdAt)),
        practitionerId: id_('staff_members', rng.int(0, counts.staff_members - 1)),
        createdAt,
      });
      const updatedAt = laterUpdate(rng, createdAt, 0.25);
      if (updatedAt > createdAt) {
        record.status = 'inactive';
        record.change_reason = rng.pick(MEDICATION_CHANGE_REASONS);
      }
      return { record, createdAt, updatedAt };
    },
  };
  const id_ = id;

  const dataset: JaneDataset = {
    seed,
    size,
    counts,
    id,
    record: (kind, index) => builders[kind](index),
    *records(kind) {
      for (let i = 0; i < counts[kind]; i++) yield builders[kind](i);
    },
    medicationHistory(index) {
      const med = builders.medications(index);
      const prescriber = builders.staff_members(
        counts.staff_members > 0 ? staffIndexOf(med.record.practitioner_id) : 0,
      ).record;
      const by = {
        id: prescriber.id,
        name: `${String(prescriber.first_name)} ${String(prescriber.last_name)}`,
        email: String(prescriber.email),
      };
      const entries: MedicationHistoryEntry[] = [
        {
          event: 'create',
          occurred_at: new Date(med.createdAt).toISOString(),
          modified_by: by,
          changes: [{ attribute: 'status', from: null, to: 'active' }],
          reason: null,
        },
      ];
      if (med.updatedAt > med.createdAt) {
        entries.push({
          event: 'update',
          occurred_at: new Date(med.updatedAt).toISOString(),
          modified_by: by,
          changes: [{ attribute: 'status', from: 'active', to: 'inactive' }],
          reason: (med.record.change_reason as string | null) ?? null,
        });
      }
      return entries;
    },
    company() {
      const rng = recordRng(seed, COMPANY_STREAM, 0);
      const name = rng.pick(CLINIC_NAMES);
      const location = counts.locations > 0 ? builders.locations(0).record : undefined;
      return {
        id: String(rng.int(10_000, 99_999)),
        name,
        legal_name: `${name} Inc.`,
        jane_url: deepLinkBase,
        logo_url: `${deepLinkBase}/logo.png`,
        online_booking_enabled: true,
        locale: 'en-US',
        email: 'frontdesk@clinic.example.com',
        phone_number: String(location?.phone ?? '555-010-0000'),
        currency_format: 'en-US',
        time_zone: rng.pick(TIME_ZONES),
        theme_primary_color: '#00c1ca',
        theme_secondary_color: '#3b4a5a',
        street_address: String(location?.street_address ?? ''),
        street_address_2: String(location?.street_address_2 ?? ''),
        city: String(location?.city ?? ''),
        province: String(location?.province ?? ''),
        postal: String(location?.postal ?? ''),
        country: String(location?.country ?? 'US'),
        map_coordinates: `${(rng.next() * 20 + 30).toFixed(4)},${(-(rng.next() * 40) - 75).toFixed(4)}`,
        patient_terminology: {
          singular: 'Patient',
          singular_lowercase: 'patient',
          plural: 'Patients',
          plural_lowercase: 'patients',
        },
      };
    },
  };

  /** Staff ids are only ever produced from indices, so a reverse lookup is a scan of a small table. */
  const staffIds = new Map<unknown, number>();
  function staffIndexOf(staffId: unknown): number {
    if (staffIds.size === 0)
      for (let s = 0; s < counts.staff_members; s++) staffIds.set(id('staff_members', s), s);
    return staffIds.get(staffId) ?? 0;
  }

  return dataset;
}
