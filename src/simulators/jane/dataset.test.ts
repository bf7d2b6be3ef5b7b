import { describe, expect, it } from 'vitest';
import { DATASET_END, datasetCounts, generateJaneDataset } from './dataset.ts';
import { UUID_PATTERN } from './ids.ts';
import { TREATMENTS } from './vocabulary.ts';

describe('generateJaneDataset', () => {
  it('is deterministic: same seed, same records; another seed, other records', () => {
    const a = generateJaneDataset(42, 200);
    const b = generateJaneDataset(42, 200);
    const c = generateJaneDataset(43, 200);
    for (const kind of [
      'patients',
      'appointments',
      'observations',
      'care_plans',
      'medications',
      'treatments',
    ] as const) {
      expect([...b.records(kind)]).toEqual([...a.records(kind)]);
    }
    expect(c.record('patients', 0)).not.toEqual(a.record('patients', 0));
    expect(a.company()).toEqual(b.company());
  });

  it('builds any record alone (random access) identical to the sequential one', () => {
    const ds = generateJaneDataset(5, 300);
    const sequential = [...ds.records('appointments')];
    expect(ds.record('appointments', 417)).toEqual(sequential[417]);
  });

  it('makes time-ordered UUIDv7 ids from creation times', () => {
    const ds = generateJaneDataset(1, 50);
    const patients = [...ds.records('patients')];
    for (const p of patients) {
      expect(p.record.id).toMatch(UUID_PATTERN);
      expect(p.record.id[14]).toBe('7');
      expect(Number.parseInt(p.record.id.replace(/-/g, '').slice(0, 12), 16)).toBe(p.createdAt);
      expect(p.updatedAt).toBeGreaterThanOrEqual(p.createdAt);
    }
    const created = patients.map((p) => p.createdAt);
    expect([...created].sort((x, y) => x - y)).toEqual(created);
  });

  it('links records consistently: appointments after their patient, one-on-one treatments, matching staff', () => {
    const ds = generateJaneDataset(9, 150);
    const patients = new Map([...ds.records('patients')].map((p) => [p.record.id, p]));
    const treatments = new Map([...ds.records('treatments')].map((t) => [t.record.id, t]));
    const staff = new Set([...ds.records('staff_members')].map((s) => s.record.id));
    const locations = new Set([...ds.records('locations')].map((l) => l.record.id));
    for (const appt of ds.records('appointments')) {
      const r = appt.record;
      const patient = patients.get(String(r.patient_id));
      expect(patient).toBeDefined();
      expect(patient?.createdAt).toBeLessThanOrEqual(appt.createdAt);
      const treatment = treatments.get(String(r.treatment_id));
      expect(treatment?.record.booking_type).toBe('one_on_one_booking');
      expect(treatment?.internal?.staff_member_ids).toContain(r.staff_member_id);
      expect(staff.has(String(r.staff_member_id))).toBe(true);
      expect(locations.has(String(r.location_id))).toBe(true);
      expect(Date.parse(String(r.end_at))).toBeGreaterThan(Date.parse(String(r.start_at)));
      if (Date.parse(String(r.start_at)) > DATASET_END)
        expect(['booked', 'reserved', 'cancelled']).toContain(r.state);
      if (r.state === 'cancelled') expect(r.cancelled_at).toEqual(expect.any(String));
    }
    for (const kind of ['observations', 'care_plans', 'medications'] as const) {
      for (const e of ds.records(kind)) expect(patients.has(String(e.record.patient_id))).toBe(true);
    }
  });

  it('keeps Jane payload rules: no timestamps on patients, durations in seconds, enums', () => {
    const ds = generateJaneDataset(3, 100);
    for (const p of ds.records('patients')) {
      expect(p.record).not.toHaveProperty('created_at');
      expect(p.record).not.toHaveProperty('updated_at');
      expect(['male', 'female', 'x']).toContain(p.record.sex);
      expect(['active', 'discharged', 'deceased', 'archived']).toContain(p.record.status);
    }
    const t = ds.record('treatments', 0).record;
    expect(t.treatment_duration).toBe((TREATMENTS[0]?.minutes ?? 0) * 60);
    expect(Number(t.scheduled_duration)).toBeGreaterThanOrEqual(Number(t.treatment_duration));
    const history = ds.medicationHistory(0);
    expect(history[0]?.event).toBe('create');
  });

  it('addresses a million patients lazily', () => {
    const started = performance.now();
    const ds = generateJaneDataset(1, 1_000_000);
    const last = ds.record('patients', 999_999);
    const appt = ds.record('appointments', 2_999_999);
    expect(ds.counts.patients).toBe(1_000_000);
    expect(ds.counts.appointments).toBe(3_000_000);
    expect(last.record.patient_number).toBe('1000999');
    expect(appt.record.patient_id).toMatch(UUID_PATTERN);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('rejects bad sizes and out-of-range indices', () => {
    expect(() => generateJaneDataset(1, -1)).toThrow(/non-negative integer/);
    expect(() => datasetCounts(1.5)).toThrow(/non-negative integer/);
    expect(() => generateJaneDataset(1, 10).record('patients', 10)).toThrow(/outside the dataset/);
  });
});
