import type { Rng } from '../common/rng.ts';
import type { Clinic } from './clinic.ts';
import type { GeneratedKind } from './dataset.ts';
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
import type { Entry } from './store.ts';
import {
  ACTIVITY_PROGRESS,
  CANCEL_REASONS,
  DISCIPLINES,
  MEDICATION_CHANGE_REASONS,
  TREATMENTS,
} from './vocabulary.ts';

/**
 * Live changes, so that every "created" and "updated" trigger has something to find. Ticks walk
 * a fixed schedule (busy kinds appear more often); a full cycle touches every kind both ways.
 */
type Action = 'create' | 'update';
export const TICK_SCHEDULE: ReadonlyArray<readonly [GeneratedKind, Action]> = [
  ['patients', 'create'],
  ['appointments', 'create'],
  ['appointments', 'update'],
  ['patients', 'update'],
  ['observations', 'create'],
  ['staff_members', 'update'],
  ['appointments', 'create'],
  ['care_plans', 'create'],
  ['medications', 'create'],
  ['locations', 'update'],
  ['appointments', 'update'],
  ['treatments', 'update'],
  ['observations', 'update'],
  ['disciplines', 'update'],
  ['care_plans', 'update'],
  ['medications', 'update'],
  ['staff_members', 'create'],
  ['patients', 'create'],
  ['locations', 'create'],
  ['disciplines', 'create'],
  ['treatments', 'create'],
  ['appointments', 'update'],
];

const TICK_STREAM = 7000;
const DAY = 86_400_000;

export type TickState = { ticks: number };

/** Applies `count` scheduled changes to the clinic; returns how many records were created/updated. */
export function tickClinic(
  clinic: Clinic,
  state: TickState,
  count: number,
): { created: number; updated: number } {
  const result = { created: 0, updated: 0 };
  for (let i = 0; i < count; i++) {
    const n = state.ticks++;
    const step = TICK_SCHEDULE[n % TICK_SCHEDULE.length];
    if (!step) continue;
    const [kind, action] = step;
    const rng = recordRng(clinic.seed, TICK_STREAM, n);
    // An update with nothing to update (empty clinic) falls back to a create of the same kind.
    if (action === 'update' && update(clinic, kind, rng)) result.updated++;
    else if (create(clinic, kind, rng)) result.created++;
  }
  return result;
}

const pick = (rng: Rng, entries: readonly Entry[]): Entry | undefined =>
  entries.length ? entries[rng.int(0, entries.length - 1)] : undefined;

function create(clinic: Clinic, kind: GeneratedKind, rng: Rng): boolean {
  const { store } = clinic;
  const at = store.stamp();
  const id = uuidV7(at, rng);
  const any = (k: GeneratedKind) => pick(rng, store.entries(k))?.id;
  let record: NativeRecord | undefined;
  let internal: Record<string, unknown> | undefined;
  switch (kind) {
    case 'patients':
      record = buildPatient(rng, {
        id,
        number: store.count('patients'),
        createdAt: at,
        deepLinkBase: String(clinic.company.jane_url ?? ''),
      });
      break;
    case 'staff_members':
      record = buildStaffMember(rng, id, store.count('staff_members') % DISCIPLINES.length);
      break;
    case 'locations':
      record = buildLocation(rng, id, store.count('locations'));
      break;
    case 'disciplines': {
      const def = DISCIPLINES[store.count('disciplines') % DISCIPLINES.length];
      if (def)
        record = { ...buildDiscipline(def, id), name: `${def.name} (${store.count('disciplines') + 1})` };
      break;
    }
    case 'treatments': {
      const index = rng.int(0, TREATMENTS.length - 1);
      record = buildTreatment(index, id, any('disciplines') ?? null);
      const staff = any('staff_members');
      internal = { staff_member_ids: staff ? [staff] : [] };
      break;
    }
    case 'appointments': {
      const patient = any('patients');
      const staff = any('staff_members');
      const location = any('locations');
      const treatment = pick(
        rng,
        store.entries('treatments').filter((t) => t.record.booking_type === 'one_on_one_booking'),
      );
      if (!patient || !staff || !location || !treatment) return false;
      record = buildAppointment(rng, {
        id,
        bookedAt: at,
        now: at,
        patientId: patient,
        staffMemberId: staff,
        locationId: location,
        treatmentId: treatment.id,
        scheduledSeconds: Number(treatment.record.scheduled_duration ?? 3600),
        firstVisit: rng.chance(0.3),
      }).record;
      break;
    }
    case 'observations':
    case 'care_plans':
    case 'medications': {
      const patientId = any('patients');
      const practitionerId = any('staff_members') ?? clinic.owner.id;
      if (!patientId) return false;
      const idFor = () => uuidV7(at, rng);
      record =
        kind === 'observations'
          ? buildObservation(rng, { id, patientId, practitionerId, issuedAt: at, idFor })
          : kind === 'care_plans'
            ? buildCarePlan(rng, { id, patientId, practitionerId, createdAt: at, idFor })
            : buildMedication(rng, { id, patientId, practitionerId, createdAt: at });
      break;
    }
  }
  if (!record) return false;
  store.insert(kind, { record, createdAt: at, updatedAt: at, ...(internal ? { internal } : {}) });
  if (kind === 'medications') {
    store.medicationHistory.set(id, [
      {
        event: 'create',
        occurred_at: new Date(at).toISOString(),
        modified_by: clinic.owner,
        changes: [{ attribute: 'status', from: null, to: 'active' }],
        reason: null,
      },
    ]);
  }
  return true;
}

/** What an update changes per kind: plausible edits a clinic makes every day. */
const UPDATERS: Record<
  GeneratedKind,
  (rng: Rng, record: NativeRecord, at: number) => Record<string, unknown>
> = {
  patients: (rng, r) =>
    rng.chance(0.5)
      ? {
          email: `${String(r.first_name)
            .toLowerCase()
            .replace(/[^a-z]/g, '')}.${rng.int(1000, 9999)}@example.com`,
        }
      : {
          street_address: `${rng.int(1, 9999)} Lakeview Dr`,
          status: rng.chance(0.9) ? 'active' : 'discharged',
        },
  appointments: (rng, r, at) => {
    const start = Date.parse(String(r.start_at));
    const roll = rng.next();
    if (r.state === 'booked' && roll < 0.4) {
      const moved = start + rng.int(1, 7) * DAY;
      const length = Date.parse(String(r.end_at)) - start;
      return { start_at: new Date(moved).toISOString(), end_at: new Date(moved + length).toISOString() };
    }
    if (r.state === 'booked' && roll < 0.7) {
      return {
        state: 'cancelled',
        cancelled_at: new Date(at).toISOString(),
        cancelled_reason: rng.pick(CANCEL_REASONS),
      };
    }
    if (r.state === 'cancelled') return { state: 'booked', cancelled_at: null, cancelled_reason: null };
    return {
      state: 'arrived',
      arrived_at: new Date(at).toISOString(),
      checked_in_at: new Date(at).toISOString(),
    };
  },
  staff_members: (rng) => ({ work_phone: `555-${rng.int(100, 999)}-${rng.int(1000, 9999)}` }),
  locations: (rng) => ({
    hours: rng.pick(['Mon-Fri 8:00-18:00', 'Mon-Sat 9:00-17:00', 'Tue-Sun 7:00-19:00']),
  }),
  disciplines: (rng, r) => ({ bookable_online: !r.bookable_online || rng.chance(0.5) }),
  treatments: (rng, r) => ({ price: Math.round(Number(r.price ?? 100) * (1 + rng.int(1, 10) / 100)) }),
  observations: (rng, r) => ({
    note: 'Amended after review.',
    values: ((r.values ?? []) as Record<string, unknown>[]).map((v) => {
      if (v.value_type !== 'numeric') return v;
      const text = String(v.value);
      const decimals = text.split('.')[1]?.length ?? 0;
      return { ...v, value: (Number(text) * (0.95 + rng.next() * 0.1)).toFixed(decimals) };
    }),
  }),
  care_plans: (rng, r, at) => ({
    activities: ((r.activities ?? []) as Record<string, unknown>[]).map((a) => ({
      ...a,
      progress: rng.pick(ACTIVITY_PROGRESS),
      updated_at: new Date(at).toISOString(),
    })),
  }),
  medications: (rng, r) =>
    r.status === 'active'
      ? { status: 'inactive', change_reason: rng.pick(MEDICATION_CHANGE_REASONS) }
      : { status: 'active', change_reason: null },
};

function update(clinic: Clinic, kind: GeneratedKind, rng: Rng): boolean {
  const target = pick(rng, clinic.store.entries(kind));
  if (!target) return false;
  const at = clinic.store.stamp();
  const before = target.record;
  const patch = UPDATERS[kind](rng, before, at);
  clinic.store.update(kind, target.id, patch, at);
  if (kind === 'medications') {
    const history = clinic.store.medicationHistory.get(target.id) ?? [];
    history.push({
      event: 'update',
      occurred_at: new Date(at).toISOString(),
      modified_by: clinic.owner,
      changes: [{ attribute: 'status', from: before.status, to: patch.status }],
      reason: (patch.change_reason as string | null) ?? null,
    });
    clinic.store.medicationHistory.set(target.id, history);
  }
  return true;
}
