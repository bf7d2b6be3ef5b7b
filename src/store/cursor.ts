import type { SortKey } from '../fhir/search-query.ts';
import type { CursorSealer } from './cursor-sealer.ts';
import { CursorError } from './errors.ts';
import { FHIR_ID } from './resource-input.ts';
import { type SortValue, sortSignature } from './search-sort.ts';

/**
 * Opaque cursors. Clients must not build or read them; the prefix versions the format so
 * it can change without breaking cursors already handed out. List and search cursors carry
 * resource values, so they are sealed (cursor-sealer.ts); change-log cursors hold only a seq.
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

/** A list page's cursor: the last id, sealed to the tenant and type it was listed from. */
export function encodeListCursor(sealer: CursorSealer, scope: ListScope, lastId: string): string {
  return sealer.seal({ kind: 'list', ...scope }, `l1:${lastId}`);
}

export function decodeListCursor(sealer: CursorSealer, scope: ListScope, cursor: string): string {
  const text = sealer.open({ kind: 'list', ...scope }, cursor);
  const id = text.slice(3);
  if (!text.startsWith('l1:') || !FHIR_ID.test(id)) throw new CursorError('invalid list cursor');
  return id;
}

/** The tenant and resource type a list or search page belongs to. */
export type ListScope = { readonly tenant: string; readonly type: string };

/** Where a search page ended: the last row's sort values (one per `_sort` key) and its id. */
export type SearchPosition = { values: SortValue[]; id: string };

/** A search page's cursor: its sort signature and position, sealed to the tenant and type searched. */
export function encodeSearchCursor(
  sealer: CursorSealer,
  scope: ListScope,
  sort: readonly SortKey[],
  position: SearchPosition,
): string {
  const payload = JSON.stringify({ s: sortSignature(sort), v: position.values, id: position.id });
  return sealer.seal({ kind: 'search', ...scope }, `s1:${payload}`);
}

export function decodeSearchCursor(
  sealer: CursorSealer,
  scope: ListScope,
  cursor: string,
  sort: readonly SortKey[],
): SearchPosition {
  const text = sealer.open({ kind: 'search', ...scope }, cursor);
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
