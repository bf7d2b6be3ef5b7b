import { hash } from 'node:crypto';
import type { Resource } from 'fhir/r4';

/**
 * The content hash that decides created / updated / unchanged (DESIGN invariant 2): SHA-256
 * of the resource as canonical JSON (keys sorted at every level) without `meta.versionId`
 * and `meta.lastUpdated`, which the store itself sets.
 */
export function contentHash(resource: Resource): string {
  return hash('sha256', canonicalJson(withoutVolatileMeta(resource)), 'base64url');
}

export function withoutVolatileMeta(resource: Resource): Resource {
  if (!resource.meta || (resource.meta.versionId === undefined && resource.meta.lastUpdated === undefined)) {
    return resource;
  }
  const { versionId: _v, lastUpdated: _l, ...meta } = resource.meta;
  const copy = { ...resource, meta };
  if (Object.keys(meta).length === 0) delete (copy as { meta?: unknown }).meta;
  return copy;
}

/** Keys that JSON.stringify would write as they are: quoting them needs no escaping. */
const PLAIN_KEY = /^[A-Za-z0-9_$]*$/;

/**
 * `"key":` by key: resources of one type repeat the same few element names, so each is tested and
 * quoted once. Bounded (hostile input with ever new keys cannot grow it), cleared when full.
 */
const quotedKeys = new Map<string, string>();
const QUOTED_KEYS_LIMIT = 2048;

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = PLAIN_KEY.test(key) ? `"${key}":` : `${JSON.stringify(key)}:`;
    if (quotedKeys.size >= QUOTED_KEYS_LIMIT) quotedKeys.clear();
    quotedKeys.set(key, quoted);
  }
  return quoted;
}

/**
 * JSON with object keys sorted, so equal content gives equal text whatever the key order. The text
 * is stored (as a hash) and compared with later polls, so it must never change: string building
 * instead of arrays, and no sort when keys already come in order, for speed only (the output is
 * the same as JSON.stringify of a key-sorted copy, canonical-hash.test.ts checks it).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      if (!(i in value)) continue; // a hole, as Array#map + join wrote it before
      const item = value[i];
      out += item === undefined ? 'null' : canonicalJson(item);
    }
    return `${out}]`;
  }
  const keys = Object.keys(value);
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i - 1] as string) > (keys[i] as string)) {
      keys.sort();
      break;
    }
  }
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined) continue;
    out += first ? quotedKey(key) : `,${quotedKey(key)}`;
    first = false;
    out += canonicalJson(item);
  }
  return `${out}}`;
}
