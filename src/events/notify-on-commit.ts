import type { Store } from '../store/port.ts';

/**
 * The store as the rest of the process uses it, telling `notify` after every write that appended
 * changes (put, putMany, delete), so this process's tailer reads them at once instead of at its
 * next poll. A wrapper rather than a store feature: the store stays ignorant of subscribers, and
 * sync, mutations and imports are covered without each calling the tailer. Another process's
 * commits are found by the tailer's poll (or a change stream).
 */
export function notifyOnCommit(store: Store, notify: () => void): Store {
  const resources = store.resources;
  const after = <T>(promise: Promise<T>, appended: (value: T) => boolean): Promise<T> =>
    promise.then((value) => {
      if (appended(value)) notify();
      return value;
    });
  return {
    ...store,
    resources: {
      ...resources,
      put: (tenant, resource, options) =>
        after(resources.put(tenant, resource, options), (r) => r.seq !== undefined),
      putMany: (tenant, list, options) =>
        after(resources.putMany(tenant, list, options), (rs) => rs.some((r) => r.seq !== undefined)),
      delete: (tenant, type, id, options) =>
        after(resources.delete(tenant, type, id, options), (r) => r.seq !== undefined),
    },
  };
}
