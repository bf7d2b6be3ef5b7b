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
  const checked = checkResourceShape(resource);
  const json = JSON.stringify(checked);
  checkResourceBytes(Buffer.byteLength(json), maxBytes);
  return { resource: checked, json };
}

/** checkResourceInput without the size limit, for an adapter that measures the size itself. */
export function checkResourceShape(resource: unknown): Resource {
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
  return resource as Resource;
}

export function checkResourceBytes(bytes: number, maxBytes: number): void {
  if (bytes > maxBytes) throw new ResourceTooLargeError(bytes, maxBytes);
}

/**
 * The byte size of JSON.stringify(input), the size the limit applies to, from the body already
 * serialized for `stamped` (= stampMeta(input), versioning.ts): the two texts differ only in the
 * meta value (kept in place by the spread, or appended after the last key when there was none), so
 * no second serialization of the whole resource is needed. Anything unusual (meta not a plain
 * object, a toJSON) is measured the plain way.
 */
export function inputBytesFromStamped(input: Resource, stamped: Resource, body: string): number {
  if ('toJSON' in input) return Buffer.byteLength(JSON.stringify(input));
  // What JSON.stringify and the spread both see: own enumerable properties.
  if (!Object.prototype.propertyIsEnumerable.call(input, 'meta')) {
    return Buffer.byteLength(body) - Buffer.byteLength(`,"meta":${JSON.stringify(stamped.meta)}`);
  }
  const meta = (input as { meta?: unknown }).meta;
  if (typeof meta === 'object' && meta !== null && !Array.isArray(meta) && !('toJSON' in meta)) {
    return (
      Buffer.byteLength(body) -
      Buffer.byteLength(JSON.stringify(stamped.meta)) +
      Buffer.byteLength(JSON.stringify(meta))
    );
  }
  return Buffer.byteLength(JSON.stringify(input));
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
