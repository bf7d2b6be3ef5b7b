/**
 * JSON Merge Patch (RFC 7396): `XPatch` takes one. Chosen over JSON Patch (RFC 6902) because the
 * seeds' "partially updates" actions send the fields to change, which is exactly a merge patch's
 * shape, and it needs no array indexes that race with the source's own edits. Limits (by RFC
 * 7396's design): a list is replaced whole, and `null` removes a field.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
