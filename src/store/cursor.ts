import type { SortKey } from '../fhir/search-query.ts';
import { CursorError } from './errors.ts';
import { FHIR_ID } from './resource-input.ts';
import { type SortValue, sortSignature } from './search-sort.ts';

/**
 * Opaque cursors. Clients must not build or read them; the prefix versions the format so
 * it can change without breaking cursors already handed out.
 */
export function encodeChangeCursor(seq: number): string {
  return Buffer.from(`c1:${seq}`).toString('base64url');
}

export function decodeChangeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^c1:(\d{1,16})$/.exec(text);
  if (!match) throw new CursorError('invalid change cursor');
  return Number(match[1]);
}

export function encodeListCursor(lastId: string): string {
  return Buffer.from(`l1:${lastId}`).toString('base64url');
}

export function decodeListCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith('l1:') || text.length < 4) throw new CursorError('invalid list cursor');
  return text.slice(3);
}

/** Where a search page ended: the last row's sort values (one per `_sort` key) and its id. */
export type SearchPosition = { values: SortValue[]; id: string };

export function encodeSearchCursor(sort: readonly SortKey[], position: SearchPosition): string {
  const payload = JSON.stringify({ s: sortSignature(sort), v: position.values, id: position.id });
  return Buffer.from(`s1:${payload}`).toString('base64url');
}

export function decodeSearchCursor(cursor: string, sort: readonly SortKey[]): SearchPosition {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith('s1:')) throw new CursorError('invalid search cursor');
  let payload: { s?: unknown; v?: unknown; id?: unknown };
  try {
    payload = JSON.parse(text.slice(3)) as typeof payload;
  } catch {
    throw new CursorError('invalid search cursor');
  }
  const { s, v, id } = payload ?? {};
  const valid =
    Array.isArray(v) &&
    v.length === sort.length &&
    v.every((x) => x === null || typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x))) &&
    typeof id === 'string' &&
    FHIR_ID.test(id);
  if (!valid) throw new CursorError('invalid search cursor');
  if (s !== sortSignature(sort)) throw new CursorError('search cursor was made for a different _sort');
  return { values: v as SortValue[], id: id as string };
}
