import { describe, expect, it } from 'vitest';
import type { Loose } from '../../../test/simulators/epic-helpers.ts';
import { loadFhirValidator } from '../../../test/simulators/epic-helpers.ts';
import { generateEpicDataset } from './dataset.ts';
import { epicExtensions, epicSystems } from './epic-systems.ts';
import { corruptRecord } from './malformed-record.ts';

describe('generateEpicDataset', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = [...generateEpicDataset(11, 15).records()];
    const b = [...generateEpicDataset(11, 15).records()];
    const c = [...generateEpicDataset(12, 15).records()];
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
  });

  it('emits only valid FHIR R4 resources, and the validator does catch a corrupted one', () => {
    const validate = loadFhirValidator();
    const records = [...generateEpicDataset(5, 12).records()];
    const types = new Set(records.map((r) => r.resourceType));
    expect([...types].sort()).toEqual(
      [
        'Appointment',
        'DocumentReference',
        'Encounter',
        'Location',
        'Observation',
        'Organization',
        'Patient',
        'Practitioner',
        'PractitionerRole',
      ].sort(),
    );
    for (const r of records) expect(validate(r), `${r.resourceType}/${r.id}`).toEqual([]);
    const patient = records.find((r) => r.resourceType === 'Patient');
    expect(validate(corruptRecord(patient ?? { resourceType: 'Patient' })).length).toBeGreaterThan(0);
  });

  it('uses Epic identifier systems, extensions and LOINC vitals/labs, with resolvable references', () => {
    const ds = generateEpicDataset(9, 40);
    const records = [...ds.records()];
    const byRef = new Set(records.map((r) => `${r.resourceType}/${r.id}`));
    const patient = records.find((r) => r.resourceType === 'Patient') as Loose;
    const systems = patient.identifier.map((i: Loose) => i.system);
    expect(systems).toContain(epicSystems.patientEpicId);
    expect(systems).toContain(epicSystems.patientMrn);
    expect(patient.extension.map((e: Loose) => e.url)).toEqual(
      expect.arrayContaining([epicExtensions.legalSex, epicExtensions.birthSex, epicExtensions.race]),
    );
    expect(patient.name.map((n: Loose) => n.use)).toEqual(['official', 'usual']);
    const loincs = new Set(
      records
        .filter((r) => r.resourceType === 'Observation')
        .flatMap((r: Loose) =>
          r.code.coding.filter((c: Loose) => c.system === 'http://loinc.org').map((c: Loose) => c.code),
        ),
    );
    for (const code of ['85354-9', '2708-6', '8867-4', '29463-7', '2345-7']) expect(loincs).toContain(code);
    const appt = records.find((r) => r.resourceType === 'Appointment') as Loose;
    expect(appt.identifier[0].system).toBe(epicSystems.csn);
    // Every relative reference points at a record of the dataset (Binary content aside).
    const json = JSON.stringify(records);
    for (const m of json.matchAll(/"reference":"([A-Za-z]+\/[^"]+)"/g))
      expect(byRef.has(m[1] ?? '')).toBe(true);
  });

  it('generates any patient lazily, so 1,000,000 patients cost nothing up front', () => {
    const ds = generateEpicDataset(1, 1_000_000);
    const records = ds.patientRecords(999_999);
    expect(records[0]?.resourceType).toBe('Patient');
    expect(JSON.stringify(ds.patientRecords(999_999))).toBe(JSON.stringify(records));
    const ids = new Set<string>();
    let n = 0;
    for (const r of ds.records()) {
      ids.add(`${r.resourceType}/${r.id}`);
      if (++n === 20_000) break;
    }
    expect(ids.size).toBe(20_000);
  });

  it('rejects a bad size or patient index with a clear error', () => {
    expect(() => generateEpicDataset(1, -1)).toThrow(/dataset size must be an integer/);
    expect(() => generateEpicDataset(1, 1.5)).toThrow(/dataset size/);
    expect(() => generateEpicDataset(1, 2).patientRecords(-1)).toThrow(/patient index out of range/);
  });
});
