import { describe, expect, it } from 'vitest';
import { loadCatalog } from './catalog.ts';
import { loadSeedRecords } from './seed-records.ts';
import { completeRecord } from './shape.ts';
import { createResourceStore, type ResourceStore } from './store.ts';

const catalog = loadCatalog();
const setup = () => {
  const stores = new Map<string, ResourceStore>();
  const storeOf = (resource: string) => {
    let s = stores.get(resource);
    if (!s) {
      const e = catalog.endpoint(resource);
      const schema = e ? catalog.schemaOf(e) : undefined;
      s = createResourceStore(resource, undefined, (r) => completeRecord(schema, r));
      stores.set(resource, s);
    }
    return s;
  };
  return { storeOf, deps: { catalog, stores: storeOf, now: Date.UTC(2026, 0, 2) } };
};

describe('loadSeedRecords', () => {
  it('loads native records with their ids, filling the schema shape', () => {
    const { storeOf, deps } = setup();
    const result = loadSeedRecords(
      {
        patients: [
          {
            id: 7,
            first_name: 'Seed',
            last_name: 'Person',
            gender: 'Male',
            doctor: 3,
            updated_at: '2025-05-05T10:00:00',
          },
        ],
      },
      deps,
    );
    expect(result.loaded).toBe(1);
    const entry = storeOf('patients').get(7);
    expect(entry?.record).toMatchObject({ id: 7, first_name: 'Seed', race: 'blank', offices: [] });
    expect(entry?.updatedAt).toBe(Date.UTC(2025, 4, 5, 10));
  });

  it('reports every problem by path and field, without values, and loads nothing', () => {
    const { storeOf, deps } = setup();
    const bad = { patients: [{ first_name: 'Secret', gender: 'Robot' }, 'x'], widgets: [], tasks: {} };
    expect(() => loadSeedRecords(bad, deps)).toThrow(
      'invalid DrChrono seed records: patients[0].doctor: required; patients[0].gender: expected one of the documented values; patients[1]: must be an object; widgets: not a DrChrono resource the simulator serves; tasks: must be an array of records',
    );
    expect(() => loadSeedRecords([], deps)).toThrow(/JSON object of arrays/);
    expect(storeOf('patients').size()).toBe(0);
  });
});
