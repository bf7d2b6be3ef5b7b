import { describe, expect, it } from 'vitest';
import { mergeItems } from './sibling-items.ts';

describe('mergeItems (a list the source replaces whole, one resource per item)', () => {
  const current = [
    { id: 'a', code: '8480-6', value: '120' },
    { id: 'b', code: '8462-4', value: '80' },
    { id: 'c', code: '29463-7', value: '70' },
  ];

  it("replaces only the updated resource's items and keeps the siblings with their ids", () => {
    const merged = mergeItems(current, [{ code: '29463-7' }], [{ code: '29463-7', value: '71' }], 'code');
    expect(merged).toEqual([current[0], current[1], { id: 'c', code: '29463-7', value: '71' }]);
  });

  it('replaces a blood pressure pair in place, even when the update changes what the reading is', () => {
    const merged = mergeItems(
      current,
      [{ code: '8480-6' }, { code: '8462-4' }],
      [{ code: '8867-4', value: '64' }],
      'code',
    );
    expect(merged).toEqual([{ code: '8867-4', value: '64' }, current[2]]);
  });

  it('appends when the source no longer holds the items the resource stood for', () => {
    const merged = mergeItems(
      current.slice(0, 2),
      [{ code: '29463-7' }],
      [{ code: '29463-7', value: '71' }],
      'code',
    );
    expect(merged).toEqual(
      [...current.slice(0, 2), { id: 'c', code: '29463-7', value: '71' }].map((item) =>
        item.code === '29463-7' ? { code: '29463-7', value: '71' } : item,
      ),
    );
  });
});
