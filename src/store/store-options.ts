import type { SecretBox } from './secret-box.ts';

/** What both adapters need besides their connection details. */
export type StoreOptions = {
  /** Largest resource accepted, in bytes of JSON. */
  maxResourceBytes: number;
  secretBox: SecretBox;
  /** Milliseconds since the epoch; injectable for lease/retention tests. */
  now?: () => number;
};

export const DEFAULT_MAX_RESOURCE_BYTES = 1024 * 1024;
