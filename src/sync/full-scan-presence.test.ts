import { describe, expect, it } from 'vitest';
import { createPresenceCollector, decodePresence, encodePresence } from './full-scan-presence.ts';

describe('full-scan presence', () => {
  const previous = new Map([
    ['a', ['Observation/a']],
    ['b', ['Observation/b']],
    ['c', ['CarePlan/c', 'Goal/c']],
    ['gone', ['Observation/gone']],
  ]);

  it('calls vanished the keys of records no longer listed and keys a record no longer maps to', () => {
    const scan = createPresenceCollector();
    scan.onRecord({ nativeId: 'a', outcome: 'mapped', keys: ['Observation/a'] });
    scan.onRecord({ nativeId: 'c', outcome: 'mapped', keys: ['CarePlan/c'] });
    // A record that failed to map is not taken for deleted: it keeps what it stood for.
    scan.onRecord({ nativeId: 'b', outcome: 'failed', keys: [] });
    const { presence, vanished } = scan.settle(previous);
    expect(vanished.sort()).toEqual(['Goal/c', 'Observation/gone']);
    expect(presence.get('b')).toEqual(['Observation/b']);
    expect(presence.has('gone')).toBe(false);
  });

  it('calls nothing vanished on the first complete scan, and round-trips through the store', () => {
    const scan = createPresenceCollector();
    scan.onRecord({ nativeId: 'a', outcome: 'mapped', keys: ['Observation/a'] });
    scan.onRecord({ nativeId: undefined, outcome: 'failed', keys: [] });
    const { presence, vanished } = scan.settle(undefined);
    expect(vanished).toEqual([]);
    expect(decodePresence(encodePresence(presence))).toEqual(presence);
    expect(decodePresence('not json')).toBeUndefined();
  });
});
