import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SortKey } from '../fhir/search-query.ts';
import { CursorError } from './errors.ts';
import { FHIR_ID } from './resource-input.ts';
import { type SortValue, sortSignature } from './search-sort.ts';

/**
 * Opaque cursors. Clients must not build or read them; a version byte or prefix lets the
 * format change without breaking cursors already handed out.
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
