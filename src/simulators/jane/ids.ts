import { createRng, type Rng } from '../common/rng.ts';

/** A 32-bit mix of up to three integers, so (seed, kind, index) gives an independent stream. */
export function mix(a: number, b: number, c: number): number {
  let h = Math.imul((a ^ 0x9e3779b9) >>> 0, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul((h ^ b) >>> 0, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul((h ^ c) >>> 0, 0x27d4eb2f);
  h ^= h >>> 15;
  return h >>> 0;
}

/** The generator stream of one record: same inputs, same draws, whatever order records are built. */
export function recordRng(seed: number, stream: number, index: number): Rng {
  return createRng(mix(seed, stream, index));
}

const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const byteHex = (n: number) => BYTE_HEX[n & 0xff] as string;
const hex16 = (n: number) => byteHex(n >>> 8) + byteHex(n);
const hex32 = (n: number) => hex16(n >>> 16) + hex16(n);

/**
 * A UUIDv7 (RFC 9562) whose timestamp is the record's creation time and whose random bits
 * come from `rng`, as Jane's ids are time-ordered UUIDv7s. (Hand-rolled hex: it is on the hot
 * path of generating millions of records.)
 */
export function uuidV7(createdAtMs: number, rng: Rng): string {
  const r1 = Math.floor(rng.next() * 0x1_0000_0000);
  const r2 = Math.floor(rng.next() * 0x1_0000_0000);
  const r3 = Math.floor(rng.next() * 0x1_0000_0000);
  const ts = Math.max(0, Math.floor(createdAtMs));
  const high = Math.floor(ts / 0x1_0000_0000) & 0xffff;
  const low = ts >>> 0;
  const randA = (0x7000 | (r1 & 0xfff)) >>> 0;
  const variant = 0x8000 | ((r1 >>> 12) & 0x3fff);
  // join() yields a flat string; a template literal would keep a rope of 14 pieces per id alive.
  return [
    hex16(high),
    hex16(low >>> 16),
    '-',
    hex16(low),
    '-',
    hex16(randA),
    '-',
    hex16(variant),
    '-',
    hex32(r2),
    hex16(r3),
  ].join('');
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
