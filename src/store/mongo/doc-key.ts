import { InvalidIdError } from '../errors.ts';

/**
 * A document `_id` built from its parts: each part percent-encoded, then joined with `/`.
 * Encoded parts hold no `/`, so two different part lists never give the same key, whatever
 * characters the parts hold (`acme` + `clinic2/Patient` is not `acme/clinic2` + `Patient`).
 * Ids of the port's grammar encode to themselves, so keys stay readable.
 */
export function docKey(...parts: ReadonlyArray<string | number>): string {
  return parts
    .map((part) => encodeURIComponent(typeof part === 'number' ? String(part) : filterString(part)))
    .join('/');
}

/**
 * Asserts a value bound for a Mongo filter is a string: an object such as `{ $ne: '' }` would
 * be read as an operator and match other tenants' documents. The port checks ids first
 * (checked-store.ts); this keeps the adapter safe on its own.
 */
export function filterString(value: unknown, field = 'id'): string {
  if (typeof value !== 'string') throw new InvalidIdError(field, 'must be a string');
  return value;
}
