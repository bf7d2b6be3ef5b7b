import type { Clock } from '../common/clock.ts';
import type { JaneKind } from './catalog.ts';
import type { MedicationHistoryEntry } from './dataset.ts';
import type { NativeRecord } from './record-builders.ts';

/** A stored record: the native payload (without tracked timestamps) and what the server tracks. */
export type Entry = {
  id: string;
  record: NativeRecord;
  createdAt: number;
  updatedAt: number;
  internal?: Record<string, unknown>;
};

export type StoredDocument = {
  id: string;
  clientId: string;
  fileName: string;
  contentType: string;
  content: string;
  createdAt: number;
};

/**
 * One clinic's records in memory. Entries keep insertion order; sorted views are cached per
 * sort key until the kind changes, so repeated page reads do not re-sort.
 */
export type ClinicStore = {
  /** Now, but strictly after every stamp already handed out, so updates are always "later". */
  stamp(): number;
  insert(kind: JaneKind, entry: Omit<Entry, 'id'>): Entry;
  get(kind: JaneKind, id: string): Entry | undefined;
  /** Shallow-merges `patch` into the record and moves updated_at to `at` (default: a new stamp). */
  update(kind: JaneKind, id: string, patch: Record<string, unknown>, at?: number): Entry;
  /** Deletes a record (someone deleted it in the clinic's Jane): it is no longer listed. */
  remove(kind: JaneKind, id: string): boolean;
  entries(kind: JaneKind): readonly Entry[];
  count(kind: JaneKind): number;
  /** Entries sorted by `key`, computed once per change of the kind. */
  sorted<K>(kind: JaneKind, cacheKey: string, build: (entries: readonly Entry[]) => K): K;
  medicationHistory: Map<string, MedicationHistoryEntry[]>;
  documents: Map<string, StoredDocument>;
};

export function createClinicStore(clock: Clock): ClinicStore {
  const byKind = new Map<JaneKind, { list: Entry[]; byId: Map<string, Entry>; version: number }>();
  const sortedCache = new Map<string, { version: number; value: unknown }>();
  let lastStamp = 0;

  const table = (kind: JaneKind) => {
    let t = byKind.get(kind);
    if (!t) {
      t = { list: [], byId: new Map(), version: 0 };
      byKind.set(kind, t);
    }
    return t;
  };

  const store: ClinicStore = {
    stamp() {
      lastStamp = Math.max(clock(), lastStamp + 1);
      return lastStamp;
    },
    insert(kind, input) {
      const t = table(kind);
      const id = input.record.id;
      if (t.byId.has(id)) throw new Error(`duplicate ${kind} id ${id}`);
      const entry: Entry = { id, ...input };
      t.list.push(entry);
      t.byId.set(id, entry);
      t.version++;
      return entry;
    },
    get: (kind, id) => table(kind).byId.get(id),
    update(kind, id, patch, at) {
      const t = table(kind);
      const entry = t.byId.get(id);
      if (!entry) throw new Error(`no ${kind} with that id`);
      entry.record = { ...entry.record, ...patch, id: entry.id };
      entry.updatedAt = at ?? store.stamp();
      t.version++;
      return entry;
    },
    remove(kind, id) {
      const t = table(kind);
      const entry = t.byId.get(id);
      if (!entry) return false;
      t.byId.delete(id);
      t.list.splice(t.list.indexOf(entry), 1);
      t.version++;
      return true;
    },
    entries: (kind) => table(kind).list,
    count: (kind) => table(kind).list.length,
    sorted(kind, cacheKey, build) {
      const t = table(kind);
      const key = `${kind}|${cacheKey}`;
      const hit = sortedCache.get(key);
      if (hit && hit.version === t.version) return hit.value as ReturnType<typeof build>;
      const value = build(t.list);
      sortedCache.set(key, { version: t.version, value });
      return value;
    },
    medicationHistory: new Map(),
    documents: new Map(),
  };
  return store;
}
