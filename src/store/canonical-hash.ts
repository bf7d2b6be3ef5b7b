import { createHash } from 'node:crypto';
import type { Resource } from 'fhir/r4';

/**
 * The content hash that decides created / updated / unchanged (DESIGN invariant 2): SHA-256
 * of the resource as canonical JSON (keys sorted at every level) without `meta.versionId`
 * and `meta.lastUpdated`, which the store itself sets.
 */
export function contentHash(resource: Resource): string {
  return createHash('sha256')
    .update(canonicalJson(withoutVolatileMeta(resource)))
    .digest('base64url');
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

/** JSON with object keys sorted, so equal content gives equal text whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const keys = Object.keys(value).sort();
  const parts: string[] = [];
  for (const key of keys) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}
