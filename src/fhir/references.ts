import type { Reference, Resource } from 'fhir/r4';
import r4Model from 'fhirpath/fhir-context/r4';
import { gatewayId, type NativeRecordKey } from './identity.ts';

/** The connection a mapped record was read through; references inside it resolve in the same scope. */
export type ConnectionScope = Pick<NativeRecordKey, 'tenant' | 'connectionId' | 'source'>;

/** A native record a mapping wants to point at. */
export type NativeTarget = {
  /** The FHIR type the target is mapped to. */
  readonly resourceType: string;
  readonly sourceType: string;
  readonly nativeId: string;
  readonly qualifier?: string;
};

/** The gateway reference (`Type/<gateway id>`) to a native record of the same connection. */
export function gatewayReference(scope: ConnectionScope, target: NativeTarget, display?: string): Reference {
  const id = gatewayId({
    ...scope,
    sourceType: target.sourceType,
    nativeId: target.nativeId,
    qualifier: target.qualifier,
  });
  return display === undefined
    ? { reference: `${target.resourceType}/${id}` }
    : { reference: `${target.resourceType}/${id}`, display };
}

const RESOURCE_TYPES: ReadonlySet<string> = new Set(
  Object.keys(r4Model.type2Parent).filter((type) => /^[A-Z]/.test(type) && isResourceTypeName(type)),
);

function isResourceTypeName(type: string): boolean {
  let current: string | undefined = type;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current === 'Resource') return true;
    current = r4Model.type2Parent[current];
  }
  return false;
}

/** `[base/]Type/id[/_history/v]` → its type and id, or undefined for anything else (contained, URNs, queries). */
export function parseLiteralReference(
  reference: string,
  fhirBaseUrl?: string,
): { resourceType: string; id: string } | undefined {
  let relative = reference;
  if (fhirBaseUrl !== undefined) {
    const base = fhirBaseUrl.endsWith('/') ? fhirBaseUrl : `${fhirBaseUrl}/`;
    if (reference.startsWith(base)) relative = reference.slice(base.length);
  }
  const match = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(
    relative,
  );
  if (!match?.[1] || !match[2] || !RESOURCE_TYPES.has(match[1])) return undefined;
  return { resourceType: match[1], id: match[2] };
}

/**
 * The type and id a reference written in a resource points at, as search indexes it: relative
 * `Type/id` and absolute `https://host/fhir/Type/id` parse, URNs, canonicals and contained do not.
 */
export function referenceTarget(reference: string): { resourceType: string; id: string } | undefined {
  const absolute = /^(https?:\/\/.+)\/[A-Z][A-Za-z]+\/[^/]+$/.exec(reference);
  return parseLiteralReference(reference, absolute?.[1]);
}

/**
 * The resource type an absolute reference names when it has the FHIR REST form
 * (`https://server/fhir/Patient/123`, optionally `/_history/v`), or undefined when it does not say
 * (`http://example.org/plans/123`, `urn:uuid:…`, or not absolute at all).
 */
export function absoluteReferenceType(reference: string): string | undefined {
  if (!/^https?:\/\//.test(reference)) return undefined;
  const match = /\/([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(
    reference,
  );
  return match?.[1] !== undefined && RESOURCE_TYPES.has(match[1]) ? match[1] : undefined;
}

/**
 * Rewrites the literal references of a resource read from a FHIR source (Epic): `Patient/e123` and
 * `<fhirBaseUrl>/Patient/e123` become `Patient/<gateway id>`, with the FHIR type as source type (a
 * FHIR source's native type is its FHIR type). Contained (`#x`), absolute foreign and conditional
 * references are left alone. Returns a copy.
 */
export function rewriteFhirReferences<T extends Resource>(
  scope: ConnectionScope,
  resource: T,
  fhirBaseUrl?: string,
): T {
  return rewriteValue(resource, scope, fhirBaseUrl) as T;
}

function rewriteValue(value: unknown, scope: ConnectionScope, fhirBaseUrl: string | undefined): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteValue(item, scope, fhirBaseUrl));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = rewriteValue(child, scope, fhirBaseUrl);
  }
  if (typeof out.reference === 'string') {
    const parsed = parseLiteralReference(out.reference, fhirBaseUrl);
    if (parsed) {
      const target = {
        resourceType: parsed.resourceType,
        sourceType: parsed.resourceType,
        nativeId: parsed.id,
      };
      out.reference = gatewayReference(scope, target).reference;
    }
  }
  return out;
}
