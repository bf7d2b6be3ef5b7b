import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SortKey } from '../fhir/search-query.ts';
import type { CursorSealer } from './cursor-sealer.ts';
import { CursorError } from './errors.ts';
import { FHIR_ID } from './resource-input.ts';
import { type SortValue, sortSignature } from './search-sort.ts';

/**
 * Opaque cursors. Clients must not build or read them; the prefix versions the format so
 * it can change without breaking cursors already handed out. List and search cursors carry
 * resource values, so they are sealed (cursor-sealer.ts); change-log cursors hold only a seq
 * and a MAC (createChangeCursors).
 */

/** Change-log cursors: a version byte, the seq, and a truncated HMAC over both. */
export type ChangeCursors = { encode(seq: number): string; decode(cursor: string): number };

const CHANGE_CURSOR_VERSION = 2;
const CHANGE_CURSOR_BYTES = 1 + 8 + 8;
/**
 * Without a configured key the MAC still catches truncated, edited or foreign-format cursors
 * (a checksum); with one (openStore derives it from the data-encryption key) it is also
 * unforgeable. Knowing a seq gives nothing beyond a position: reads are still tenant-filtered.
 */
const UNKEYED = Buffer.from('fhir-gateway change cursor (no key configured)');

export function createChangeCursors(key: Buffer = UNKEYED): ChangeCursors {
  const mac = (body: Buffer) => createHmac('sha256', key).update(body).digest().subarray(0, 8);
  return {
    encode(seq) {
      const body = Buffer.alloc(9);
      body.writeUInt8(CHANGE_CURSOR_VERSION, 0);
      body.writeBigUInt64BE(BigInt(seq), 1);
      return Buffer.concat([body, mac(body)]).toString('base64url');
    },
    decode(cursor) {
      const bytes = typeof cursor === 'string' ? Buffer.from(cursor, 'base64url') : Buffer.alloc(0);
      // Re-encoding must give the same text: rejects padding, stray characters and extra bits.
      const valid =
        bytes.length === CHANGE_CURSOR_BYTES &&
        bytes.toString('base64url') === cursor &&
        bytes.readUInt8(0) === CHANGE_CURSOR_VERSION &&
        timingSafeEqual(bytes.subarray(9), mac(bytes.subarray(0, 9)));
      if (!valid) throw new CursorError('invalid change cursor');
      const seq = bytes.readBigUInt64BE(1);
      if (seq > BigInt(Number.MAX_SAFE_INTEGER)) throw new CursorError('invalid change cursor');
      return Number(seq);
    },
  };
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
