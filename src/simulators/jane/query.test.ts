import { describe, expect, it } from 'vitest';
import { createManualClock } from '../common/clock.ts';
import { RESOURCES } from './catalog.ts';
import { type ListQuery, parseListQuery, readPage } from './query.ts';
import { createClinicStore } from './store.ts';

const T = Date.UTC(2026, 0, 1, 12, 0, 0);
const id = (n: number) => `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`;

function storeWith(updatedOffsetsMs: number[]) {
  const store = createClinicStore(createManualClock(T));
  updatedOffsetsMs.forEach((offset, n) => {
    store.insert('patients', {
      record: { id: id(n), first_name: `P${n}` },
      createdAt: T - 1000 * (100 - n),
      updatedAt: T + offset,
    });
  });
  return store;
}

const parse = (q: string): ListQuery => {
  const r = parseListQuery(RESOURCES.patients, new URLSearchParams(q));
  if (!r.ok) throw new Error(r.message);
  return r.value;
};
const ids = (store: ReturnType<typeof storeWith>, q: string) =>
  readPage(store, RESOURCES.patients, parse(q)).items.map((e) => e.id);

describe('list queries', () => {
  it('compares datetimes at second granularity: gte is inclusive, gt skips the whole second', () => {
    const store = storeWith([0, 700, 999, 1000, -1]);
    expect(ids(store, 'updated_at[gte]=2026-01-01T12:00:00Z')).toEqual([id(0), id(1), id(2), id(3)]);
    expect(ids(store, 'updated_at[gt]=2026-01-01T12:00:00Z')).toEqual([id(3)]);
    expect(ids(store, 'updated_at[eq]=2026-01-01T12:00:00Z,2026-01-01T11:59:59Z')).toEqual([
      id(0),
      id(1),
      id(2),
      id(4),
    ]);
    expect(ids(store, 'updated_at[lt]=2026-01-01T12:00:00Z')).toEqual([id(4)]);
    expect(
      ids(store, 'updated_at[gte]=2026-01-01T13:00:00%2B01:00&updated_at[lte]=2026-01-01T12:00:00Z'),
    ).toEqual([id(0), id(1), id(2)]);
  });

  it('filters strings with eq lists, ne, co, sw', () => {
    const store = storeWith([0, 0, 0]);
    expect(ids(store, `public_id[eq]=${id(0)},${id(2)}`)).toEqual([id(0), id(2)]);
    expect(ids(store, `public_id[ne]=${id(1)}`)).toEqual([id(0), id(2)]);
    expect(ids(store, 'public_id[co]=00000000001')).toEqual([id(1)]);
    expect(ids(store, 'public_id[sw]=zzz')).toEqual([]);
  });

  it('sorts by several keys, descending with "-", ties broken by id', () => {
    const store = storeWith([5000, 1000, 5000, 3000]);
    expect(ids(store, 'sort=-updated_at')).toEqual([id(0), id(2), id(3), id(1)]);
    expect(ids(store, 'sort=updated_at,-created_at')).toEqual([id(1), id(3), id(2), id(0)]);
  });

  it('pages with keyset cursors that survive updates and carry their query', () => {
    const store = storeWith([0, 1000, 2000, 3000, 4000]);
    const first = readPage(store, RESOURCES.patients, parse('sort=updated_at&page[limit]=2'));
    expect(first.items.map((e) => e.id)).toEqual([id(0), id(1)]);
    expect(first.hasNextPage).toBe(true);
    // A record seen on page one is updated: it moves behind the cursor and is served again later.
    store.update('patients', id(0), { first_name: 'Changed' }, T + 10_000);
    const second = readPage(
      store,
      RESOURCES.patients,
      parse(`page[cursor]=${first.nextCursor}&page[limit]=2`),
    );
    expect(second.items.map((e) => e.id)).toEqual([id(2), id(3)]);
    const third = readPage(
      store,
      RESOURCES.patients,
      parse(`page[cursor]=${second.nextCursor}&page[limit]=2`),
    );
    expect(third.items.map((e) => e.id)).toEqual([id(4), id(0)]);
    expect(third.hasNextPage).toBe(false);
    expect(third.nextCursor).toBeNull();
  });

  it('explains what is wrong with a bad query', () => {
    const bad = (q: string, spec = RESOURCES.patients) => {
      const r = parseListQuery(spec, new URLSearchParams(q));
      return r.ok ? 'accepted' : r.message;
    };
    expect(bad('nickname[eq]=x')).toMatch(/Unsupported filter field "nickname"/);
    expect(bad('updated_at[co]=2025')).toMatch(/Operator "co" is not supported on "updated_at"/);
    expect(bad('updated_at[gte]=2025-01-01')).toMatch(/precise to the second/);
    expect(bad('updated_at[gte]=2025-01-01T00:00:00.000Z')).toMatch(/precise to the second/);
    expect(bad('sort=name')).toMatch(/Unsupported sort field "name"/);
    expect(bad('page[limit]=5000')).toMatch(/between 1 and 1000/);
    expect(bad('page[cursor]=bm90LWpzb24')).toMatch(/not a valid cursor/);
    expect(bad('public_id[gt]=a', RESOURCES.treatments)).toMatch(/allowed: eq/);
    expect(bad('updated_at[gte]=2025-01-01T00:00:00Z', RESOURCES.medications)).toMatch(/Unsupported filter/);
    expect(bad(`public_id[eq]=${Array.from({ length: 101 }, () => 'x').join(',')}`)).toMatch(/At most 100/);
  });

  it('defaults the page size to 50', () => {
    expect(parse('').limit).toBe(50);
  });
});
