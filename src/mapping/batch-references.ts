import type { Resource } from 'fhir/r4';
import { MappingFailure } from './run-state.ts';

/**
 * References of FHIR sources that name no resource id: `urn:uuid:…` / `urn:oid:…` (a Bundle entry's
 * fullUrl, as Bundles and Bulk Data send them) and conditional ones (`Practitioner?identifier=s|v`).
 * The engine rewrites only literal `Type/id` references to gateway ids (docs/identity.md), so these
 * are first turned into `Type/<native id>` by a resolver the caller passes (ForwardOptions
 * .resolveReference): from the batch being mapped, or the store. One that cannot be resolved fails
 * the record with a reason that says so, naming the path, never the reference (it may hold an MRN).
 */
export type ReferenceResolver = (reference: string) => string | undefined;

const CONDITIONAL = /^[A-Z][A-Za-z]{0,63}\?/;

export function needsResolution(reference: string): 'fullUrl' | 'conditional' | undefined {
  if (reference.startsWith('urn:uuid:') || reference.startsWith('urn:oid:')) return 'fullUrl';
  return CONDITIONAL.test(reference) ? 'conditional' : undefined;
}

/**
 * A copy of `value` with every fullUrl or conditional reference replaced by what `resolve` answers
 * (`Type/id`); objects without such references are shared, not copied. Throws MappingFailure for one
 * it cannot resolve.
 */
export function resolveBatchReferences(
  value: unknown,
  path: string,
  resolve: ReferenceResolver | undefined,
): unknown {
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const next = resolveBatchReferences(item, path, resolve);
      if (next !== item) changed = true;
      return next;
    });
    return changed ? out : value;
  }
  if (typeof value !== 'object' || value === null) return value;
  let out: Record<string, unknown> | undefined;
  for (const [key, child] of Object.entries(value)) {
    let next: unknown = child;
    if (key === 'reference' && typeof child === 'string') {
      const kind = needsResolution(child);
      if (kind) {
        next = resolve?.(child);
        if (next === undefined) {
          throw new MappingFailure(
            kind === 'fullUrl'
              ? 'unresolved reference: no entry of the batch has this fullUrl'
              : 'unresolved conditional reference: no single match in the batch or store',
            `${path}.reference`,
          );
        }
      }
    } else {
      next = resolveBatchReferences(child, `${path}.${key}`, resolve);
    }
    if (next !== child) {
      out ??= { ...(value as Record<string, unknown>) };
      out[key] = next;
    }
  }
  return out ?? value;
}

/**
 * A resolver over one batch of FHIR resources (a Bundle's entries, a Bulk Data file): fullUrl →
 * `Type/id`, and `Type?identifier=system|value` → the one resource of that type with that identifier.
 */
export function batchReferenceResolver(
  entries: Iterable<{ fullUrl?: string; resource?: Resource }>,
): ReferenceResolver {
  const byFullUrl = new Map<string, string>();
  const byIdentifier = new Map<string, string[]>();
  for (const { fullUrl, resource } of entries) {
    if (!resource?.id) continue;
    const literal = `${resource.resourceType}/${resource.id}`;
    if (fullUrl) byFullUrl.set(fullUrl, literal);
    const held = (resource as { identifier?: Array<{ system?: string; value?: string }> }).identifier;
    for (const identifier of Array.isArray(held) ? held : []) {
      if (!identifier.value) continue;
      for (const token of [`${identifier.system ?? ''}|${identifier.value}`, identifier.value]) {
        const key = `${resource.resourceType}?identifier=${token}`;
        byIdentifier.set(key, [...new Set([...(byIdentifier.get(key) ?? []), literal])]);
      }
    }
  }
  return (reference) => {
    if (needsResolution(reference) === 'fullUrl') return byFullUrl.get(reference);
    const matches = byIdentifier.get(decodeURIComponent(reference));
    return matches?.length === 1 ? matches[0] : undefined;
  };
}
