import { canonicalJson } from '../store/canonical-hash.ts';

/**
 * The top-level native fields whose value differs between what the source holds (the reverse
 * mapping of the stored resource) and what it should hold: an update sends only these, so fields
 * the caller did not touch are never rewritten in the source. With `clearRemoved` (a merge patch
 * that removed a field with null) a field that disappeared is sent as null (the source clears it,
 * or refuses when it cannot); otherwise it is left as the source has it.
 */
export function changedFields(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  options: { clearRemoved: boolean },
): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(after)) {
    if (canonicalJson(value) !== canonicalJson(before[key])) changed[key] = value;
  }
  if (options.clearRemoved) for (const key of Object.keys(before)) if (!(key in after)) changed[key] = null;
  return changed;
}
