import { describe, expect, it } from 'vitest';
import { generateDrChronoDataset } from './dataset.ts';
import { createResourceStore } from './store.ts';

const ds = generateDrChronoDataset(4, 10);
const ids = (it: Iterable<[number, unknown]>) => [...it].map(([id]) => id);

describe('createResourceStore', () => {
  it('serves the generated range lazily in id order and merges writes outside it', () => {
    const store = createResourceStore('patients', ds, (r) => r);
    const lo = ds.idOf('patients', 0);
    expect(store.size()).toBe(10);
    store.put(5, { record: { id: 5 }, updatedAt: 1 });
    const created = store.allocateId();
    expect(created).toBe(lo + 10);
    store.put(created, { record: { id: created }, updatedAt: 2 });
    expect(ids(store.scan())).toEqual([5, ...Array.from({ length: 10 }, (_, i) => lo + i), created]);
    expect(ids(store.scan({ afterId: lo + 8 }))).toEqual([lo + 9, created]);
    expect(ids(store.scan({ beforeId: lo + 1 }))).toEqual([lo, 5]);
  });

  it('overrides and deletes generated records', () => {
    const store = createResourceStore('patients', ds, (r) => r);
    const id = ds.idOf('patients', 2);
    store.put(id, { record: { id, first_name: 'Changed' }, updatedAt: 9 });
    expect(store.get(id)?.record.first_name).toBe('Changed');
    expect(store.remove(id)).toBe(true);
    expect(store.remove(id)).toBe(false);
    expect(store.get(id)).toBeUndefined();
    expect(ids(store.scan())).not.toContain(id);
    expect(store.size()).toBe(9);
  });

  it('works without a dataset (seed-only) and picks random live ids', () => {
    const store = createResourceStore('patients', undefined, (r) => r);
    expect(store.randomId(Math.random)).toBeUndefined();
    store.put(42, { record: { id: 42 }, updatedAt: 0 });
    expect(store.randomId(() => 0.5)).toBe(42);
    expect(store.allocateId()).toBe(43);
  });
});
