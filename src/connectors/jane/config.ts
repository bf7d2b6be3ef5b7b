import { z } from 'zod';

/** A Jane connection's non-secret settings; secrets: clientSecret, accessToken, accessExpiresAt, refreshToken. */
export const janeConfigSchema = z.object({
  /** The clinic URL: the OAuth `resource`, the token audience and the API host. */
  clinicUrl: z.url().transform((u) => u.replace(/\/+$/, '')),
  /** Keycloak's token endpoint (login.id.janeapp.com/realms/jane/protocol/openid-connect/token). */
  tokenUrl: z.url(),
  authorizeUrl: z.url().optional(),
  clientId: z.string().min(1),
});
export type JaneConfig = z.infer<typeof janeConfigSchema>;

/** Jane's published limits with a small margin: the server counts the same requests. */
export const JANE_BUDGET = [
  { name: 'per-endpoint-minute', limit: 95, windowMs: 60_000, kind: 'sliding', perEndpoint: true },
  { name: 'clinic-5-minutes', limit: 580, windowMs: 300_000, kind: 'sliding' },
] as const;

/** Page size asked for (Jane allows up to 1000). */
export const JANE_PAGE_LIMIT = 500;
/** Jane tokens live 300 s: refresh a minute ahead. */
export const JANE_REFRESH_AHEAD_MS = 60_000;
