import { describe, expect, it } from 'vitest';
import { generateDrChronoDataset } from './dataset.ts';

describe('generateDrChronoDataset', () => {
  it('is deterministic: same seed, same records; another seed, other records', () => {
    const a = generateDrChronoDataset(5, 50);
    const b = generateDrChronoDataset(5, 50);
    const c = generateDrChronoDataset(6, 50);
    for (const r of ['patients', 'appointments', 'line_items', 'medications', 'tasks']) {
      expect(a.record(r, 3)).toEqual(b.record(r, 3));
    }
    expect(
      a.record('patients', 3).record.first_name === c.record('patients', 3).record.first_name &&
        a.record('patients', 3).record.date_of_birth === c.record('patients', 3).record.date_of_birth,
    ).toBe(false);
  });

  it('scales counts from the patient count without building records', () => {
    const ds = generateDrChronoDataset(1, 1_000_000);
    expect(ds.count('patients')).toBe(1_000_000);
    expect(ds.count('appointments')).toBe(4_000_000);
    expect(ds.count('doctors')).toBe(2500);
    const total = ds.resources().reduce((n, r) => n + ds.count(r), 0);
    expect(total).toBeGreaterThan(1_000_000);
    const last = ds.record('appointments', ds.count('appointments') - 1).record;
    expect(last.id).toBe(String(ds.idOf('appointments', ds.count('appointments') - 1)));
  });

  it('relates records by index: a patient’s doctor, an appointment’s patient/office, line items to appointments', () => {
    const ds = generateDrChronoDataset(9, 80);
    const appt = ds.record('appointments', 17).record;
    const patient = ds.record('patients', ds.indexOf('patients', appt.patient as number) ?? -1).record;
    expect(patient.id).toBe(appt.patient);
    expect(patient.doctor).toBe(appt.doctor);
    const office = ds.record('offices', ds.indexOf('offices', appt.office as number) ?? -1).record;
    expect((office.exam_rooms as { index: number }[]).map((r) => r.index)).toContain(appt.exam_room);
    const item = ds.record('line_items', 34).record;
    expect(item.appointment).toBe(Number(appt.id));
    expect(item.patient).toBe(appt.patient);
  });

  it('keeps generated history at or before the anchor and appointments in scheduled order by id', () => {
    const anchor = Date.UTC(2026, 4, 1);
    const ds = generateDrChronoDataset(3, 40, { anchor });
    for (const r of ['patients', 'appointments', 'messages', 'lab_orders']) {
      for (let i = 0; i < ds.count(r); i++) expect(ds.record(r, i).updatedAt).toBeLessThanOrEqual(anchor);
    }
    const days = Array.from({ length: ds.count('appointments') }, (_, i) =>
      String(ds.record('appointments', i).record.scheduled_time).slice(0, 10),
    );
    expect(days).toEqual([...days].sort());
  });

  it('rejects a size out of range with a clear error', () => {
    expect(() => generateDrChronoDataset(1, 0)).toThrow(/size/);
    expect(() => generateDrChronoDataset(1, 1.5)).toThrow(/size/);
  });

  it('maps ids back to generated indexes', () => {
    const ds = generateDrChronoDataset(2, 10);
    expect(ds.indexOf('patients', ds.idOf('patients', 4))).toBe(4);
    expect(ds.indexOf('patients', 1)).toBeUndefined();
  });
});
