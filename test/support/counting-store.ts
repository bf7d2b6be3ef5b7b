import type { SearchQuery } from '../../src/fhir/search-query.ts';
import type { ResourceStore, Store } from '../../src/store/port.ts';

export type StoreCalls = { count: number; byMethod: Record<string, number>; searches: SearchQuery[] };

/** The real store with its `resources` calls counted (not a mock: every call goes through). */
export function countingStore(store: Store): { store: Store; calls: StoreCalls; reset(): void } {
  const calls: StoreCalls = { count: 0, byMethod: {}, searches: [] };
  const resources = new Proxy(store.resources, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const name = String(property);
        calls.count += 1;
        calls.byMethod[name] = (calls.byMethod[name] ?? 0) + 1;
        if (name === 'search') calls.searches.push(args[2] as SearchQuery);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as ResourceStore;
  return {
    store: { ...store, resources },
    calls,
    reset() {
      calls.count = 0;
      calls.byMethod = {};
      calls.searches = [];
    },
  };
}
