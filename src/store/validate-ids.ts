import { InvalidIdError } from './errors.ts';

/**
 * The id grammar of the Store port. Every id a caller passes is checked against it before an
 * adapter sees it (checked-store.ts), so no id can smuggle a key separator, an operator object or
 * an unbounded string into a key or a filter. Errors name the field, never echo the value.
 */
export const ID_GRAMMAR = {
  tenant: {
    pattern: /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
    text: '1-64 of A-Z a-z 0-9 _ - (not starting with _ or -)',
  },
  connection: { pattern: /^[A-Za-z0-9._~-]{1,64}$/, text: '1-64 of A-Z a-z 0-9 . _ ~ -' },
  resourceType: {
    pattern: /^[A-Z][A-Za-z]{0,63}$/,
    text: 'a FHIR resource type name (A-Z a-z, capital first, at most 64)',
  },
  resourceId: { pattern: /^[A-Za-z0-9.-]{1,64}$/, text: 'a FHIR id: 1-64 of A-Z a-z 0-9 . -' },
  /** Chosen by API clients (UUIDs, ULIDs, request ids...): any printable ASCII. */
  idempotencyKey: { pattern: /^[\x20-\x7e]{1,200}$/, text: '1-200 printable ASCII characters' },
  /** Watermark keys, lease names and holders: chosen by the gateway itself. */
  coordinationKey: { pattern: /^[\x20-\x7e]{1,256}$/, text: '1-256 printable ASCII characters' },
} as const;

export type IdKind = keyof typeof ID_GRAMMAR;

export type IdRule = { readonly pattern: RegExp; readonly text: string };

const FIELD_NAMES: Readonly<Record<IdKind, string>> = {
  tenant: 'tenant id',
  connection: 'connection id',
  resourceType: 'resource type',
  resourceId: 'resource id',
  idempotencyKey: 'idempotency key',
  coordinationKey: 'key',
};

/** Asserts `value` is a string of the `kind` grammar; InvalidIdError (naming `field`) otherwise. */
export function requireId(kind: IdKind, value: unknown, field: string = FIELD_NAMES[kind]): string {
  return requireMatch(ID_GRAMMAR[kind], value, field);
}

/** Like requireId, with a rule of the caller's (quarantine ids are the adapter's own format). */
export function requireMatch(rule: IdRule, value: unknown, field: string): string {
  if (typeof value !== 'string') throw new InvalidIdError(field, `must be a string (${rule.text})`);
  if (!rule.pattern.test(value)) throw new InvalidIdError(field, `must be ${rule.text}`);
  return value;
}

/** A whole number in [min, max]; InvalidIdError (naming `field`) otherwise. */
export function requireCount(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new InvalidIdError(field, `must be a whole number from ${min} to ${max}`);
  return value;
}

/** Asserts a plain string (free text such as a quarantine reason); never an object that could act as an operator. */
export function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new InvalidIdError(field, 'must be a string');
  return value;
}
