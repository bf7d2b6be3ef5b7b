import { z } from 'zod';

/** A DrChrono connection's non-secret settings; secrets: clientSecret, accessToken, accessExpiresAt, refreshToken. */
export const drchronoConfigSchema = z.object({
  /** `https://app.drchrono.com` (paths are `/api/<resource>`). */
  baseUrl: z.url().transform((u) => u.replace(/\/+$/, '')),
  tokenUrl: z.url().optional(),
  authorizeUrl: z.url().optional(),
  clientId: z.string().min(1),
});
export type DrChronoConfig = z.infer<typeof drchronoConfigSchema>;

/**
 * DrChrono's limits are per API application (all its tokens): 500 requests per clock hour
 * (reset at the top of the hour) and 10 per second; kept with a small margin.
 */
export const DRCHRONO_BUDGET = [
  { name: 'app-hour', limit: 490, windowMs: 3_600_000, kind: 'fixed' },
  { name: 'app-second', limit: 9, windowMs: 1000, kind: 'sliding' },
] as const;

/** DrChrono's largest page. */
export const DRCHRONO_PAGE_SIZE = 250;
/** The largest page of a bulk `*_list` job. */
export const DRCHRONO_BULK_PAGE_SIZE = 1000;
/** Access tokens live 48 h: refresh an hour ahead. */
export const DRCHRONO_REFRESH_AHEAD_MS = 3_600_000;
/** `since` is a date: re-read from the day before the last change seen. */
export const DRCHRONO_OVERLAP_DAYS = 1;
/** What `since` asks for on a backfill of rows that require a filter (appointments, audit log). */
export const DRCHRONO_EPOCH_DATE = '1900-01-01';

/**
 * Chart rows carry no seed trigger: they are paced (`pollEveryMs`) so the trigger rows keep their
 * every-run promise within the 490-an-hour budget. Full scans (no change filter at DrChrono) are
 * read once an hour; rows with a `since` filter, whose steady poll is one request, every 15 min.
 */
export const DRCHRONO_CHART_SCAN_EVERY_MS = 3_600_000;
export const DRCHRONO_CHART_SINCE_EVERY_MS = 900_000;
