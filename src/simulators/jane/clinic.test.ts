import { describe, expect, it } from 'vitest';
import { createManualClock } from '../common/clock.ts';
import { createClinic } from './clinic.ts';
import { SeedRecordsError } from './seed-records.ts';
import { tickClinic } from './tick.ts';

const P1 = '11111111-1111-7111-8111-111111111111';
const S1 = '22222222-2222-7222-8222-222222222222';
const now = Date.UTC(2026, 0, 1);
const clinic = (seedRecords: unknown, patients?: number) =>
  createClinic({
    slug: 'c',
    seed: 1,
    patients,
    seedRecords,
    clock: createManualClock(now),
    deepLinkBase: 'https://c.janeapp.test',
  });

describe('clinic seed records', () => {
  it('loads native records instead of generated ones, tracking hidden timestamps', () => {
    const c = clinic({
      patients: [
        {
          id: P1,
          first_name: 'Ada',
          last_name: 'Lovelace',
          sex: 'female',
          updated_at: '2025-06-01T10:00:00Z',
          created_at: '2025-01-01T00:00:00Z',
        },
      ],
      staff_members: [{ id: S1, first_name: 'Sam', last_name: 'Hill' }],
      medications: [
        {
          patient_id: P1,
          medication_code: { text: 'Ibuprofen' },
          status: 'active',
          source: 'patient_reported',
        },
      ],
      company: { name: 'Seeded Clinic' },
    });
    expect(c.store.count('patients')).toBe(1);
    expect(c.store.count('appointments')).toBe(0);
    const p = c.store.get('patients', P1);
    expect(p?.record).not.toHaveProperty('updated_at');
    expect(p?.updatedAt).toBe(Date.parse('2025-06-01T10:00:00Z'));
    expect(p?.createdAt).toBe(Date.parse('2025-01-01T00:00:00Z'));
    const med = c.store.entries('medications')[0];
    expect(med?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(med?.record.dose_form).toBeNull();
    expect(c.store.medicationHistory.get(med?.id ?? '')?.[0]?.event).toBe('create');
    expect(c.company.name).toBe('Seeded Clinic');
    expect(c.owner.id).toBe(S1);
  });

  it('adds seed records to generated ones when a patient count is given', () => {
    const c = clinic({ patients: [{ id: P1, first_name: 'Ada' }] }, 10);
    expect(c.store.count('patients')).toBe(11);
  });

  it('reports every problem at once, with positions and no record contents', () => {
    let error: unknown;
    try {
      clinic({
        patients: [{ id: 'nope', sex: 'unknown' }],
        appointments: [{ start_at: 'tomorrow', state: 'booked' }],
        visits: [],
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SeedRecordsError);
    const problems = (error as SeedRecordsError).problems.join('\n');
    expect(problems).toMatch(/patients\.0\.id: must be a UUID/);
    expect(problems).toMatch(/patients\.0\.sex/);
    expect(problems).toMatch(/appointments\.0\.start_at/);
    expect(problems).toMatch(/appointments\.0\.patient_id/);
    expect(problems).toMatch(/visits/);
  });

  it('rejects dangling references and duplicate ids', () => {
    expect(() =>
      clinic({
        patients: [{ id: P1 }, { id: P1 }],
        observations: [{ patient_id: S1, category: 'exam' }],
      }),
    ).toThrow(/duplicate id[\s\S]*observations\[0\]\.patient_id: no patients/);
    expect(() => clinic('not an object')).toThrow(SeedRecordsError);
  });
});

describe('clinic ticks', () => {
  it('are deterministic for a seed and move timestamps forward', () => {
    const a = clinic(undefined, 20);
    const b = clinic(undefined, 20);
    const before = Math.max(...a.store.entries('appointments').map((e) => e.updatedAt));
    tickClinic(a, { ticks: 0 }, 30);
    tickClinic(b, { ticks: 0 }, 30);
    expect(a.store.entries('appointments').map((e) => e.record)).toEqual(
      b.store.entries('appointments').map((e) => e.record),
    );
    expect(Math.max(...a.store.entries('appointments').map((e) => e.updatedAt))).toBeGreaterThan(before);
    const meds = a.store
      .entries('medications')
      .filter((m) => (a.store.medicationHistory.get(m.id)?.length ?? 0) > 1);
    expect(meds.length).toBeGreaterThan(0);
  });

  it('creates records when there is nothing to update yet', () => {
    const empty = clinic({ patients: [] });
    const result = tickClinic(empty, { ticks: 0 }, 4);
    expect(result.created).toBeGreaterThan(0);
    expect(empty.store.count('patients')).toBeGreaterThan(0);
  });
});

describe('seed.example.json', () => {
  it('loads, resolves every reference and keeps the tracked timestamps', async () => {
    const { readFile } = await import('node:fs/promises');
    const seed = JSON.parse(
      await readFile(new URL('./seed.example.json', import.meta.url), 'utf8'),
    ) as unknown;
    const c = clinic(seed);
    expect(c.store.count('appointments')).toBe(1);
    expect(c.store.entries('care_plans')[0]?.record.activities).toHaveLength(1);
    expect(c.store.entries('treatments')[0]?.internal?.staff_member_ids).toEqual([
      '0190a000-0000-7000-8000-000000000003',
    ]);
    expect(c.store.entries('patients')[0]?.updatedAt).toBe(Date.parse('2025-09-14T10:30:00Z'));
  });
});
