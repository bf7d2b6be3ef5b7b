import { describe, expect, it } from 'vitest';
import { loadCatalog } from './catalog.ts';
import { decodeCursor, encodeCursor, parseListQuery } from './list-query.ts';

const catalog = loadCatalog();
const endpoint = (name: string) => {
  const e = catalog.endpoint(name);
  if (!e) throw new Error(name);
  return e;
};
const parse = (name: string, query: string) => parseListQuery(endpoint(name), new URLSearchParams(query));

describe('parseListQuery', () => {
  it('clamps page_size to 250 and to 25 for verbose appointments', () => {
    const q = parse('patients', 'page_size=1000');
    expect(q.ok && q.query.pageSize).toBe(250);
    const v = parse('appointments', 'since=2024-01-01&verbose=true&page_size=100');
    expect(v.ok && v.query.pageSize).toBe(25);
  });

  it('matches since on the updated day, inclusive', () => {
    const q = parse('patients', 'since=2025-03-04');
    if (!q.ok) throw new Error('expected ok');
    expect(q.query.matches({ record: {}, updatedAt: Date.UTC(2025, 2, 4, 0, 0, 0) })).toBe(true);
    expect(q.query.matches({ record: {}, updatedAt: Date.UTC(2025, 2, 3, 23, 59, 59) })).toBe(false);
  });

  it('names the bad parameter', () => {
    expect(parse('patients', 'since=03/04/2025')).toEqual({
      ok: false,
      body: { since: ['Enter a valid date.'] },
    });
    expect(parse('appointments', 'date_range=2025-01-01')).toMatchObject({
      ok: false,
      body: { date_range: [expect.any(String)] },
    });
    expect(parse('appointments', 'status=Complete')).toMatchObject({
      ok: false,
      body: { detail: expect.stringMatching(/since/) },
    });
    expect(parse('insurances', '')).toEqual({ ok: false, body: { payer_type: ['This field is required.'] } });
  });

  it('round-trips cursors and rejects forged ones', () => {
    expect(decodeCursor(encodeCursor({ a: 12 }))).toEqual({ a: 12 });
    expect(decodeCursor(encodeCursor({ b: 3 }))).toEqual({ b: 3 });
    expect(decodeCursor('not-json')).toBeUndefined();
    expect(decodeCursor(Buffer.from('{"a":"1"}').toString('base64url'))).toBeUndefined();
    expect(decodeCursor(Buffer.from('{}').toString('base64url'))).toBeUndefined();
  });
});
