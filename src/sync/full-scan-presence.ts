import type { RecordOutcome } from './write-page.ts';

/**
 * Hard deletions on full-scan rows, by set difference: a complete scan lists every record the
 * source holds, so a record of the previous complete scan that is not in this one was deleted,
 * and the resources it stood for become tombstones. Bounded: past MAX_TRACKED records a row is not
 * tracked (its deletions are not seen; the operations log says so), since the set is kept in the store.
 */
export const MAX_TRACKED = 10_000;

/** Native id → the `Type/id` keys of the resources it stands for. */
export type Presence = ReadonlyMap<string, readonly string[]>;

export function encodePresence(presence: Presence): string {
  return JSON.stringify([...presence]);
}

/** undefined: no complete scan recorded yet (or unreadable): nothing can be called vanished. */
export function decodePresence(text: string | undefined): Presence | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!Array.isArray(parsed)) return undefined;
    const out = new Map<string, readonly string[]>();
    for (const entry of parsed) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[1])) return undefined;
      out.set(
        entry[0],
        entry[1].filter((key): key is string => typeof key === 'string'),
      );
    }
    return out;
  } catch {
    return undefined;
  }
}

/** Collects one scan's record outcomes (writePage's onRecord). */
export function createPresenceCollector() {
  const outcomes = new Map<string, RecordOutcome>();
  return {
    onRecord(outcome: RecordOutcome): void {
      if (outcome.nativeId !== undefined) outcomes.set(outcome.nativeId, outcome);
    },
    get size(): number {
      return outcomes.size;
    },
    /**
     * After a complete scan: what now stands for each record, and the keys to tombstone — every
     * key of a vanished record, and keys a record no longer maps to. A record that failed to map
     * keeps its previous keys (a bad record is quarantined, never taken for a deletion).
     */
    settle(previous: Presence | undefined): { presence: Map<string, readonly string[]>; vanished: string[] } {
      const presence = new Map<string, readonly string[]>();
      const vanished = new Set<string>();
      for (const [nativeId, outcome] of outcomes) {
        const before = previous?.get(nativeId) ?? [];
        const now = outcome.outcome === 'failed' ? before : outcome.keys;
        presence.set(nativeId, now);
        if (outcome.outcome === 'deleted') continue; // writePage tombstoned it already
        for (const key of before) if (!now.includes(key)) vanished.add(key);
      }
      for (const [nativeId, keys] of previous ?? []) {
        if (!outcomes.has(nativeId)) for (const key of keys) vanished.add(key);
      }
      return { presence, vanished: [...vanished] };
    },
  };
}
