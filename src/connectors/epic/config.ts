import { z } from 'zod';

const publishedKey = z.object({
  kid: z.string().min(1),
  /** The public JWK (RSA, RS384) served at /.well-known/jwks.json. */
  publicJwk: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  /** A rotated-in key signs only from this instant (verifiers have refreshed their JWKS cache by then). */
  activateAt: z.string().optional(),
  /** After a rotation the old key stays published until this instant (tokens signed before still verify). */
  retireAt: z.string().optional(),
});

/**
 * An Epic connection's non-secret settings. Secrets: `privateKeys` (JSON, private JWKs by kid) —
 * encrypted at rest by the store like every connection secret.
 */
export const epicConfigSchema = z.object({
  fhirBaseUrl: z.url().transform((u) => u.replace(/\/+$/, '')),
  tokenUrl: z.url(),
  clientId: z.string().min(1),
  /** The Bulk Data Group exported (Epic registers one per backend app). */
  groupId: z.string().min(1),
  keys: z.array(publishedKey).min(1),
});
export type EpicConfig = z.infer<typeof epicConfigSchema>;
export type PublishedKey = z.infer<typeof publishedKey>;

/** Epic publishes no limit and asks apps to self-throttle: 20 requests per second per connection. */
export const EPIC_BUDGET = [
  { name: 'connection-second', limit: 20, windowMs: 1000, kind: 'sliding' },
] as const;
/** Epic refuses searches over 100 matches: ask for at most that many per page. */
export const EPIC_PAGE_COUNT = 100;
/** Records per page handed to the sync from an NDJSON export file. */
export const EPIC_EXPORT_PAGE = 1000;
/** Longest wait between export status polls, whatever Retry-After says. */
export const EPIC_MAX_STATUS_WAIT_MS = 30_000;
/** Status polls before an export is given up (then retried on the next poll). */
export const EPIC_MAX_STATUS_POLLS = 120;
/** A refused client assertion is sent again (fresh) after this long before the refusal counts for good. */
export const EPIC_REFUSAL_RECHECK_MS = 2_000;
/** Backend tokens live an hour; get a new one five minutes ahead. */
export const EPIC_REFRESH_AHEAD_MS = 300_000;
/** How long a rotated-in key is published before it signs (verifiers cache a JWKS for minutes). */
export const EPIC_KEY_ACTIVATION_MS = 15 * 60_000;
/** How long a rotated-out public key stays published. */
export const EPIC_KEY_GRACE_MS = 24 * 3_600_000;
