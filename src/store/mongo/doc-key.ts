import type { Collection, Document, Filter, FindOptions } from 'mongodb';
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

/**
 * One tenant's document by its `_id`. The filter is the `_id` alone, which FerretDB answers from
 * its primary key (anything more is a collection scan there, ~5x slower on a few thousand
 * documents); the key already encodes the tenant, and the tenant is checked on the document, so
 * another tenant's document is never answered.
 */
export async function findOwn<T extends Document & { _id: string; tenant: string }>(
  collection: Collection<T>,
  key: string,
  tenant: string,
  options?: FindOptions,
): Promise<T | null> {
  const doc = (await collection.findOne({ _id: filterString(key) } as Filter<T>, options)) as T | null;
  return doc && doc.tenant === tenant ? doc : null;
}
