import type { Rng } from '../common/rng.ts';

/** FHIR-id-safe alphabet; Epic ids mix letters, digits, '-' and '.'. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.';

/** Invertible 32-bit mix (xorshift-multiply rounds), so distinct serials give distinct codes. */
function mix32(value: number, key: number): number {
  let x = (value ^ key) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

function encode(value: number, length: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < length; i++) {
    out += ALPHABET[v & 63];
    v = Math.floor(v / 64);
  }
  return out;
}

/**
 * An opaque, Epic-looking id (`e…3`): random-looking noise plus a unique, scrambled
 * encoding of `serial`, so ids never collide within one resource type and seed.
 */
export function epicId(rng: Rng, serial: number, seed: number): string {
  const noise = encode(Math.floor(rng.next() * 2 ** 30), 5) + encode(Math.floor(rng.next() * 2 ** 30), 5);
  return `e${noise}${encode(mix32(serial >>> 0, seed >>> 0), 6)}${encode(Math.floor(serial / 2 ** 32), 1)}3`;
}

/** A fresh rng-independent seed for record number `index` of a dataset seeded with `seed`. */
export function deriveSeed(seed: number, index: number, stream: number): number {
  return mix32((Math.imul(index, 0x9e3779b1) + stream) >>> 0, seed >>> 0);
}

/** National Provider Identifier with its Luhn check digit (prefix 80840, per CMS). */
export function npiFor(serial: number): string {
  const base = String(100_000_000 + (serial % 900_000_000)).slice(0, 9);
  const digits = `80840${base}`.split('').map(Number);
  let sum = 0;
  for (let i = digits.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = digits[i] ?? 0;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return `${base}${(10 - (sum % 10)) % 10}`;
}
