import { createHmac, createSecretKey, hkdfSync, type KeyObject, timingSafeEqual } from 'node:crypto';
import { CursorError } from '../store/errors.ts';

/**
 * Subscription cursors: a change-log position bound to the tenant it was issued to. The store's
 * change cursors are only positions; a subscriber's cursor also names whose feed it belongs to,
 * so another tenant's cursor is refused rather than accepted as a position. Format: a version
 * byte, the seq (8 bytes) and 12 bytes of HMAC-SHA256 over both and the tenant, base64url.
 */
export type EventCursors = {
  encode(tenant: string, seq: number): string;
  /** The seq, or a CursorError when the text is not a cursor this deployment issued to `tenant`. */
  decode(tenant: string, cursor: string): number;
};

const VERSION = 1;
const BODY = 9;
const MAC = 12;

/** Keys from the data-encryption keyring: the current one signs, all verify (rotation keeps cursors). */
export function deriveEventCursorKeys(ring: readonly Buffer[]): Buffer[] {
  return ring.map((key) => Buffer.from(hkdfSync('sha256', key, '', 'fhir-gateway event cursors', 32)));
}

/** Recent encodings kept: every subscriber of a tenant gets the same cursor for an event. */
const MEMO = 4_096;

export function createEventCursors(keys: readonly Buffer[]): EventCursors {
  if (keys.length === 0) throw new Error('event cursors need at least one key');
  // Key objects once: preparing a raw key on every HMAC showed in the fan-out profile.
  const ring: KeyObject[] = keys.map((key) => createSecretKey(key));
  const mac = (key: KeyObject, body: Buffer, tenant: string) =>
    createHmac('sha256', key).update(body).update(tenant, 'utf8').digest().subarray(0, MAC);
  const memo = new Map<string, string>();
  return {
    encode(tenant, seq) {
      const memoKey = `${seq}\u0000${tenant}`;
      const hit = memo.get(memoKey);
      if (hit !== undefined) return hit;
      const body = Buffer.alloc(BODY);
      body.writeUInt8(VERSION, 0);
      body.writeBigUInt64BE(BigInt(seq), 1);
      const cursor = Buffer.concat([body, mac(ring[0] as KeyObject, body, tenant)]).toString('base64url');
      if (memo.size >= MEMO) memo.delete(memo.keys().next().value as string);
      memo.set(memoKey, cursor);
      return cursor;
    },
    decode(tenant, cursor) {
      const bytes = typeof cursor === 'string' ? Buffer.from(cursor, 'base64url') : Buffer.alloc(0);
      const valid =
        bytes.length === BODY + MAC &&
        bytes.toString('base64url') === cursor &&
        bytes.readUInt8(0) === VERSION &&
        ring.some((key) => timingSafeEqual(bytes.subarray(BODY), mac(key, bytes.subarray(0, BODY), tenant)));
      // One message for malformed, tampered and foreign cursors: telling them apart would help a prober.
      if (!valid) throw new CursorError('invalid cursor: not a change cursor issued to this tenant');
      const seq = bytes.readBigUInt64BE(1);
      if (seq > BigInt(Number.MAX_SAFE_INTEGER)) throw new CursorError('invalid cursor');
      return Number(seq);
    },
  };
}
