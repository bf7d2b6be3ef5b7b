import type { Clock } from '../common/clock.ts';
import type { Rng } from '../common/rng.ts';
import type { Resource } from './fhir-types.ts';
import type { ResourceStore } from './resource-store.ts';

/** How a tick changes an existing record of each type, so its content (and hash) really changes. */
const UPDATERS: Record<string, (r: Resource, rng: Rng, now: number) => void> = {
  Patient(r, rng) {
    const telecom = (r.telecom as { system?: string; value?: string }[] | undefined) ?? [];
    const phone = `555-${rng.int(100, 999)}-${rng.int(1000, 9999)}`;
    const existing = telecom.find((t) => t.system === 'phone');
    if (existing) existing.value = phone;
    else r.telecom = [...telecom, { system: 'phone', value: phone, use: 'home' }];
  },
  Appointment(r, rng, now) {
    if (r.status === 'booked' && rng.chance(0.3)) {
      r.status = 'cancelled';
      r.cancelationReason = { text: rng.pick(['Patient request', 'Provider unavailable', 'Weather']) };
      return;
    }
    // Reschedule by whole days so the slot keeps its clinic hour.
    const shift = rng.int(1, 14) * 86_400_000;
    const start = Math.max(Date.parse(String(r.start)), now) + shift;
    const minutes = Number(r.minutesDuration ?? 20);
    r.start = new Date(start).toISOString();
    r.end = new Date(start + minutes * 60_000).toISOString();
    if (r.status !== 'cancelled') r.status = 'booked';
  },
  Encounter(r, rng) {
    r.length = { value: rng.int(10, 90), unit: 'min', system: 'http://unitsofmeasure.org', code: 'min' };
  },
  Observation(r, rng) {
    r.status = 'amended';
    const q = r.valueQuantity as { value?: number } | undefined;
    if (q && typeof q.value === 'number') q.value = Number((q.value + rng.int(1, 3)).toFixed(2));
    else r.note = [{ text: `Amended ${rng.int(1, 1000)}` }];
  },
  DocumentReference(r, rng) {
    r.docStatus = 'amended';
    r.description = `Addendum ${rng.int(1, 10_000)}`;
  },
};

export type TickDeps = {
  store: ResourceStore;
  clock: Clock;
  rng: Rng;
  /** All records of a patient who registers now (number `n` beyond the generated ones). */
  newPatientRecords(): Resource[];
};

/**
 * Moves the simulated organisation forward: each step registers a new patient with some
 * history (40%) or edits an existing record; touched records get a new version and
 * `meta.lastUpdated` = now.
 */
export function createTicker(deps: TickDeps): (count: number) => { created: number; updated: number } {
  const updatable = Object.keys(UPDATERS);
  return (count) => {
    if (!Number.isInteger(count) || count < 0) throw new Error('tick count must be a non-negative integer');
    let created = 0;
    let updated = 0;
    for (let i = 0; i < count; i++) {
      const now = deps.clock();
      const stamp = new Date(now).toISOString();
      const type = deps.rng.pick(updatable);
      const size = deps.store.count(type);
      if (size === 0 || deps.rng.chance(0.4)) {
        for (const r of deps.newPatientRecords()) {
          r.meta = { versionId: '1', lastUpdated: stamp };
          deps.store.put(r);
          created++;
        }
        continue;
      }
      const current = deps.store.at(type, deps.rng.int(0, size - 1));
      if (!current) continue;
      const next: Resource = structuredClone(current);
      UPDATERS[type]?.(next, deps.rng, now);
      next.meta = {
        ...(next.meta ?? {}),
        versionId: String(Number(current.meta?.versionId ?? '1') + 1),
        lastUpdated: stamp,
      };
      deps.store.put(next);
      updated++;
    }
    return { created, updated };
  };
}
