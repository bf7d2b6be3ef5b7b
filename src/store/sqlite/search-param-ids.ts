import type { DatabaseSync } from 'node:sqlite';

/**
 * Interned (tenant, type, param) → pid, the integer that leads every index key. Ids are rows of
 * search_params, so every connection to the file agrees on them; each connection caches what it
 * has seen. An id created in a write transaction that rolls back is forgotten (`rolledBack`), since
 * SQLite may hand the same pid to another parameter later.
 */
export type SearchParamIds = {
  /** The committed id, or undefined when nothing was ever indexed under the parameter. */
  lookup(tenant: string, type: string, param: string): number | undefined;
  /** Inside a write transaction: the id, created if new. */
  ensure(tenant: string, type: string, param: string): number;
  committed(): void;
  rolledBack(): void;
};

export function createSearchParamIds(db: DatabaseSync): SearchParamIds {
  const cache = new Map<string, number>();
  const pending: string[] = [];
  const select = db.prepare('SELECT pid FROM search_params WHERE tenant = ? AND type = ? AND param = ?');
  const insert = db.prepare(
    'INSERT INTO search_params (tenant, type, param, max_entries, max_width) VALUES (?, ?, ?, 0, 0) ON CONFLICT DO NOTHING',
  );
  const key = (tenant: string, type: string, param: string) => `${tenant}\u0000${type}\u0000${param}`;
  const read = (tenant: string, type: string, param: string) =>
    (select.get(tenant, type, param) as { pid: number } | undefined)?.pid;
  return {
    lookup(tenant, type, param) {
      const k = key(tenant, type, param);
      let pid = cache.get(k);
      if (pid === undefined) {
        pid = read(tenant, type, param);
        if (pid !== undefined) cache.set(k, pid);
      }
      return pid;
    },
    ensure(tenant, type, param) {
      const k = key(tenant, type, param);
      const cached = cache.get(k);
      if (cached !== undefined) return cached;
      insert.run(tenant, type, param);
      const pid = read(tenant, type, param) as number;
      cache.set(k, pid);
      pending.push(k);
      return pid;
    },
    committed() {
      pending.length = 0;
    },
    rolledBack() {
      for (const k of pending) cache.delete(k);
      pending.length = 0;
    },
  };
}
