import { describe, expect, it } from 'vitest';
import { parseSeedRecords } from './seed-records.ts';

const TYPES = ['Patient', 'Observation'];
const patient = { resourceType: 'Patient', id: 'seed-1', name: [{ family: 'Seed' }] };

describe('parseSeedRecords', () => {
  it('reads an object of arrays per type and a Bundle', () => {
    expect(parseSeedRecords({ Patient: [patient] }, TYPES)).toEqual([patient]);
    expect(
      parseSeedRecords({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: patient }] }, TYPES),
    ).toEqual([patient]);
  });

  it('reports every problem at once, by position only', () => {
    let message = '';
    try {
      parseSeedRecords(
        {
          Patient: [
            patient,
            { resourceType: 'Observation', id: 'x' },
            { resourceType: 'Patient', id: 'bad id!' },
            patient,
          ],
          Encounter: [{ resourceType: 'Encounter', id: 'e1' }],
          Observation: 'nope',
        },
        TYPES,
      );
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/Patient\[1\]: resourceType Observation is listed under Patient/);
    expect(message).toMatch(/Patient\[2\]: id must be a FHIR id/);
    expect(message).toMatch(/Patient\/seed-1: duplicate id/);
    expect(message).toMatch(/Encounter\[0\]: resource type Encounter is not served/);
    expect(message).toMatch(/Observation: must be an array/);
    expect(message).not.toMatch(/Seed/);
  });

  it('rejects input that is neither shape', () => {
    expect(() => parseSeedRecords([patient], TYPES)).toThrow(/JSON object of arrays/);
    expect(() => parseSeedRecords({ resourceType: 'Bundle' }, TYPES)).toThrow(/no entry array/);
  });
});
