/** DrChrono writes timestamps as ISO 8601 without a timezone and dates as YYYY-MM-DD. */
export const DAY_MS = 86_400_000;

export function formatDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Parses `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS]` (read as UTC, like the timestamps we emit). */
export function parseDrChronoTime(value: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(value)) return undefined;
  const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : `${value}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

export const startOfDay = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;
