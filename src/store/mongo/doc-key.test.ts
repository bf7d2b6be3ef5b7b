import { describe, expect, it } from 'vitest';
import { InvalidIdError } from '../errors.ts';
import { docKey, filterString } from './doc-key.ts';

describe('docKey', () => {
  it('never gives two part lists the same key, whatever characters the parts hold', () => {
    // Every list of 1-3 parts over an alphabet of separators and escapes: all keys distinct.
    const alphabet = ['', 'a', '/', '%', '2F', '%2F', 'a/b'];
    const lists: string[][] = [];
    for (const x of alphabet) {
      lists.push([x]);
      for (const y of alphabet) {
        lists.push([x, y]);
        for (const z of alphabet) lists.push([x, y, z]);
      }
    }
    const keys = new Map<string, string[]>();
    for (const parts of lists) {
      const key = docKey(...parts);
      expect(keys.get(key), `${JSON.stringify(parts)} collides`).toBeUndefined();
      keys.set(key, parts);
    }
    expect(docKey('acme', 'clinic2/Patient', 'p1')).not.toBe(docKey('acme/clinic2', 'Patient', 'p1'));
  });

  it('leaves ids of the port grammar readable', () => {
    expect(docKey('acme-clinic2', 'Patient', 'p-1.2', 3)).toBe('acme-clinic2/Patient/p-1.2/3');
  });

  it('refuses anything but strings, so no operator object reaches a filter', () => {
    expect(() => docKey('acme', { $ne: '' } as unknown as string)).toThrow(InvalidIdError);
    expect(() => filterString({ $gt: '' }, 'connection id')).toThrow(
      /invalid connection id: must be a string/,
    );
  });
});
