import { describe, expect, it } from 'vitest';
import { leakedValues } from '../../test/support/value-encodings.ts';
import { decodeListCursor, decodeSearchCursor, encodeListCursor, encodeSearchCursor } from './cursor.ts';
import { createCursorSealer, deriveCursorKey } from './cursor-sealer.ts';
import { CursorError } from './errors.ts';

const key = deriveCursorKey(Buffer.alloc(32, 7));
const sealer = createCursorSealer(key);
const scope = { tenant: 'acme', type: 'Patient' };
const sort = [
  { param: 'family', kind: 'string' as const, descending: false },
  { param: 'birthdate', kind: 'date' as const, descending: false },
];
const FAMILY = 'Vandermeer';
const BIRTH = '1975-06-15';
const BIRTH_MS = Date.parse(`${BIRTH}T00:00:00Z`);
const position = { values: [FAMILY.toLowerCase(), BIRTH_MS], id: 'pat-0000001' };

describe('sealed cursors', () => {
  it('hold no family name or birth date in any encoding', () => {
    const cursor = encodeSearchCursor(sealer, scope, sort, position);
    expect(leakedValues(cursor, [FAMILY, BIRTH, String(BIRTH_MS), 'pat-0000001'])).toEqual([]);
    // The check itself finds them in the earlier, unsealed form.
    const unsealed = Buffer.from(`s1:${JSON.stringify({ v: position.values, id: 'pat-0000001' })}`).toString(
      'base64url',
    );
    expect(leakedValues(unsealed, [FAMILY, String(BIRTH_MS), 'pat-0000001'])).toEqual([
      FAMILY,
      String(BIRTH_MS),
      'pat-0000001',
    ]);
    expect(decodeSearchCursor(sealer, scope, cursor, sort)).toEqual(position);
  });

  it('differ each time, and their length does not follow the name length', () => {
    const short = encodeSearchCursor(sealer, scope, sort, { ...position, values: ['li', BIRTH_MS] });
    const long = encodeSearchCursor(sealer, scope, sort, {
      ...position,
      values: ['vandermeer-smith', BIRTH_MS],
    });
    expect(short.length).toBe(long.length);
    expect(encodeSearchCursor(sealer, scope, sort, position)).not.toBe(
      encodeSearchCursor(sealer, scope, sort, position),
    );
  });

  it('refuse a tampered, truncated, extended or garbage cursor with a CursorError', () => {
    const cursor = encodeSearchCursor(sealer, scope, sort, position);
    const bytes = Buffer.from(cursor, 'base64url');
    const variants: string[] = [
      cursor.slice(0, -1),
      `${cursor}A`,
      cursor.slice(0, 20),
      `${cursor}AA`,
      '',
      '!!',
      'x'.repeat(5000),
    ];
    // Every single-bit flip of every byte.
    for (let at = 0; at < bytes.length; at++) {
      const flipped = Buffer.from(bytes);
      flipped[at] = (flipped[at] as number) ^ 1;
      variants.push(flipped.toString('base64url'));
    }
    for (const bad of variants) {
      expect(() => decodeSearchCursor(sealer, scope, bad, sort), bad.slice(0, 40)).toThrow(CursorError);
    }
  });

  it('refuse a cursor of another tenant, type, kind or key', () => {
    const cursor = encodeSearchCursor(sealer, scope, sort, position);
    const foreign = (run: () => unknown) =>
      expect(run).toThrow(/issued for another tenant, resource type or server key/);
    foreign(() => decodeSearchCursor(sealer, { ...scope, tenant: 'acme-clinic2' }, cursor, sort));
    foreign(() => decodeSearchCursor(sealer, { ...scope, type: 'Practitioner' }, cursor, sort));
    foreign(() => decodeListCursor(sealer, scope, cursor));
    foreign(() =>
      decodeSearchCursor(createCursorSealer(deriveCursorKey(Buffer.alloc(32, 8))), scope, cursor, sort),
    );
    const list = encodeListCursor(sealer, scope, 'pat-0000001');
    expect(decodeListCursor(sealer, scope, list)).toBe('pat-0000001');
    foreign(() => decodeListCursor(sealer, { tenant: 'acme-clinic2', type: 'Patient' }, list));
  });

  it('use a key derived from, never equal to, the data-encryption key', () => {
    const dek = Buffer.alloc(32, 7);
    expect(key).toHaveLength(32);
    expect(key.equals(dek)).toBe(false);
    expect(deriveCursorKey(dek).equals(key)).toBe(true);
  });
});
