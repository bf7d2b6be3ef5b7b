import type { Resource } from 'fhir/r4';
import { InvalidResourceError, ResourceTooLargeError } from './errors.ts';

/** FHIR R4 id: 1–64 of [A-Za-z0-9-.]. */
export const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;

/** Checks what every stored resource needs and answers its serialized form (used for the size limit). */
export function checkResourceInput(
  resource: unknown,
  maxBytes: number,
): { resource: Resource; json: string } {
  if (resource === null || typeof resource !== 'object' || Array.isArray(resource)) {
    throw new InvalidResourceError('a resource must be a JSON object');
  }
  const r = resource as { resourceType?: unknown; id?: unknown };
  if (typeof r.resourceType !== 'string' || r.resourceType === '') {
    throw new InvalidResourceError('resource has no resourceType');
  }
  if (!RESOURCE_TYPE.test(r.resourceType)) {
    // Not echoed: an invalid value is not known to be a type name and may be a person's data.
    throw new InvalidResourceError(
      `resourceType (${r.resourceType.length} characters) is not a FHIR resource type name: ^[A-Z][A-Za-z]{1,63}$`,
    );
  }
  checkId(r.resourceType, r.id);
  const json = JSON.stringify(resource);
  const bytes = Buffer.byteLength(json);
  if (bytes > maxBytes) throw new ResourceTooLargeError(bytes, maxBytes);
  return { resource: resource as Resource, json };
}

export function checkId(type: string, id: unknown): asserts id is string {
  if (typeof id !== 'string' || !FHIR_ID.test(id)) {
    throw new InvalidResourceError(
      `${type} has an invalid id: a FHIR id is 1-64 characters of A-Z a-z 0-9 - .`,
    );
  }
}

export function checkTypeName(type: string): void {
  if (!RESOURCE_TYPE.test(type))
    throw new InvalidResourceError(
      `resource type (${String(type).length} characters) is not a FHIR resource type name: ^[A-Z][A-Za-z]{1,63}$`,
    );
}
