import type { SimulatorOptions } from '../types.ts';

/** A partner app registered with Jane's identity provider (Keycloak client). */
export type JaneOAuthClient = {
  clientId: string;
  clientSecret: string;
  /** Exact URIs, or prefixes ending in `*` (Keycloak's wildcard rule). */
  redirectUris: string[];
  name: string;
  /** Scopes the client may be granted; defaults to every known scope. */
  scopes?: string[];
};

export type JaneClinicOptions = {
  /** Path prefix of the clinic (`/{slug}/api/2026-01-01/...`). */
  slug: string;
  seed?: number;
  patients?: number;
  seedRecords?: unknown;
};

export type JaneSimulatorOptions = SimulatorOptions & {
  /** Clinics served by this process; the first is also served without a prefix. */
  clinics?: JaneClinicOptions[];
  clients?: JaneOAuthClient[];
  /** Keycloak realm in the auth paths; Jane uses `jane` and `jane_partner_sandbox`. */
  realms?: string[];
  /** Upload size limit (Jane: 50 MB); tests lower it. */
  maxUploadBytes?: number;
  /** Validity of presigned document URLs (Jane: 10 minutes). */
  presignedUrlTtlMs?: number;
};

export const DEFAULT_CLIENT: JaneOAuthClient = {
  clientId: 'fhir-gateway',
  clientSecret: 'jane-simulator-secret',
  redirectUris: ['http://127.0.0.1*', 'http://localhost*'],
  name: 'FHIR Normalization Gateway',
};

export const DEFAULTS = {
  seed: 1,
  patients: 50,
  clinicSlug: 'demo-clinic',
  realms: ['jane_partner_sandbox', 'jane'],
  maxUploadBytes: 50 * 1024 * 1024,
  presignedUrlTtlMs: 10 * 60_000,
  accessTokenSeconds: 300,
  refreshTokenSeconds: 1800,
} as const;

/** Slugs that would collide with non-clinic routes. */
export const RESERVED_SLUGS = new Set(['api', 'realms', '_admin', '_files']);
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
