import type { DrChronoDataset } from './dataset.ts';

export type Entry = { record: Record<string, unknown>; updatedAt: number };

/**
 * The live records of one resource: the lazily generated base range plus whatever was
 * written since (creates, updates, deletes, seed records). Ids are numeric and iterate in
 * ascending order, which is the default list order.
 */
export type ResourceStore = {
  get(id: number): Entry | undefined;
  put(id: number, entry: Entry): void;
  remove(id: number): boolean;
  allocateId(): number;
  /** Entries with id > afterId ascending, or id < beforeId descending. */
  scan(from?: { afterId?: number; beforeId?: number }): Iterable<[number, Entry]>;
  size(): number;
  /** A uniformly chosen live id (base range or written), undefined when empty. */
  randomId(random: () => number): number | undefined;
};

export function createResourceStore(
  resource: string,
  dataset: DrChronoDataset | undefined,
  shape: (record: Record<string, unknown>) => Record<string, unknown>,
): ResourceStore {
  const baseCount = dataset?.count(resource) ?? 0;
  const baseLo = baseCount > 0 && dataset ? dataset.idOf(resource, 0) : 0;
  const baseHi = baseCount > 0 ? baseLo + baseCount - 1 : -1;
  const inBase = (id: number) => id >= baseLo && id <= baseHi;
  /** Writes over the base range; undefined = deleted. */
  const overrides = new Map<number, Entry | undefined>();
  /** Ids outside the base range, kept sorted for merged scans. */
  const extraIds: number[] = [];
  const extras = new Map<number, Entry>();
  let nextId = Math.max(baseHi, 0) + 1;

  const baseEntry = (id: number): Entry | undefined => {
    if (overrides.has(id)) return overrides.get(id);
    if (!dataset) return undefined;
    const built = dataset.record(resource, id - baseLo);
    return { record: shape(built.record), updatedAt: built.updatedAt };
  };

  const insertExtraId = (id: number) => {
    let lo = 0;
    let hi = extraIds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((extraIds[mid] ?? 0) < id) lo = mid + 1;
      else hi = mid;
    }
    extraIds.splice(lo, 0, id);
  };

  const lowerBound = (id: number): number => {
    let lo = 0;
    let hi = extraIds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((extraIds[mid] ?? 0) <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  function* ascending(afterId: number): Iterable<[number, Entry]> {
    let b = Math.max(baseLo, afterId + 1);
    let x = lowerBound(afterId);
    while (b <= baseHi || x < extraIds.length) {
      const extraId = extraIds[x];
      if (b <= baseHi && (extraId === undefined || b < extraId)) {
        const e = baseEntry(b);
        if (e) yield [b, e];
        b++;
      } else if (extraId !== undefined) {
        const e = extras.get(extraId);
        if (e) yield [extraId, e];
        x++;
      }
    }
  }

  function* descending(beforeId: number): Iterable<[number, Entry]> {
    let b = Math.min(baseHi, beforeId - 1);
    let x = lowerBound(beforeId - 1) - 1;
    while (b >= baseLo || x >= 0) {
      const extraId = extraIds[x];
      if (b >= baseLo && (extraId === undefined || b > extraId)) {
        const e = baseEntry(b);
        if (e) yield [b, e];
        b--;
      } else if (extraId !== undefined) {
        const e = extras.get(extraId);
        if (e) yield [extraId, e];
        x--;
      }
    }
  }

  let deletedFromBase = 0;
  return {
    get: (id) => (inBase(id) ? baseEntry(id) : extras.get(id)),
    put(id, entry) {
      if (inBase(id)) {
        if (overrides.has(id) && overrides.get(id) === undefined) deletedFromBase--;
        overrides.set(id, entry);
        return;
      }
      if (!extras.has(id)) insertExtraId(id);
      extras.set(id, entry);
      if (id >= nextId) nextId = id + 1;
    },
    remove(id) {
      if (inBase(id)) {
        if (overrides.has(id) && overrides.get(id) === undefined) return false;
        overrides.set(id, undefined);
        deletedFromBase++;
        return true;
      }
      if (!extras.delete(id)) return false;
      extraIds.splice(lowerBound(id) - 1, 1);
      return true;
    },
    allocateId: () => nextId++,
    scan(from = {}) {
      return from.beforeId !== undefined ? descending(from.beforeId) : ascending(from.afterId ?? -Infinity);
    },
    size: () => baseCount - deletedFromBase + extras.size,
    randomId(random) {
      const total = baseCount + extraIds.length;
      for (let attempt = 0; attempt < 8 && total > 0; attempt++) {
        const k = Math.floor(random() * total);
        const id = k < baseCount ? baseLo + k : extraIds[k - baseCount];
        if (id !== undefined && (k >= baseCount || overrides.get(id) !== undefined || !overrides.has(id)))
          return id;
      }
      return undefined;
    },
  };
}
