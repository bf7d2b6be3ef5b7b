import { InvalidApiKeyIdError } from './errors.ts';

/** API key public ids: letters and digits only, so they are safe as keys in both adapters. */
export const API_KEY_ID = /^[A-Za-z0-9]{8,64}$/;

export function assertApiKeyId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !API_KEY_ID.test(id)) throw new InvalidApiKeyIdError();
}

/** True when `id` could be a key id; lookups of anything else answer "unknown" without a query. */
export const isApiKeyId = (id: unknown): id is string => typeof id === 'string' && API_KEY_ID.test(id);
