import { describe, expect, it } from 'vitest';
import { createChangeCursors } from './cursor.ts';
import { CursorError } from './errors.ts';

describe('change-log cursors', () => {
  const cursors = createChangeCursors(Buffer.alloc(32, 1));

  it('round-trips any seq a change log can hold, in a short opaque token', () => {
    for (const seq of [0, 1, 2 ** 31, Number.MAX_SAFE_INTEGER]) {
      const cursor = cursors.encode(seq);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]{23}$/);
      expect(cursors.decode(cursor)).toBe(seq);
    }
  });

  it('refuses tampered, truncated, foreign-key and earlier-format cursors with a CursorError', () => {
    const good = cursors.encode(42);
    const flipped = `${good.slice(0, 5)}${good[5] === 'A' ? 'B' : 'A'}${good.slice(6)}`;
    const otherKey = createChangeCursors(Buffer.alloc(32, 2)).encode(42);
    const unkeyed = createChangeCursors().encode(42);
    const formerFormat = Buffer.from('c1:42').toString('base64url');
    for (const bad of [
      flipped,
      good.slice(0, -1),
      `${good}A`,
      `${good}=`,
      otherKey,
      unkeyed,
      formerFormat,
      '',
      '!!',
    ]) {
      expect(() => cursors.decode(bad), bad).toThrow(CursorError);
    }
    expect(() => cursors.decode(42 as unknown as string)).toThrow(CursorError);
  });
});
