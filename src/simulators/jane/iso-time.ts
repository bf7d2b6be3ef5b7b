/**
 * ISO 8601 formatting without `Date` objects: generating millions of records formats several
 * timestamps each, and `toISOString()` dominated the generator's profile.
 */
const DAY_MS = 86_400_000;
const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n));

/** Civil date from days since 1970-01-01 (H. Hinnant's days_from_civil, inverted). */
function civil(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return [y, '-', pad2(m), '-', pad2(d)].join('');
}

/** `YYYY-MM-DD` (UTC) of an epoch-millisecond instant. */
export function isoDate(ms: number): string {
  return civil(Math.floor(ms / DAY_MS));
}

/** `YYYY-MM-DDTHH:MM:SS.mmmZ`, identical to `new Date(ms).toISOString()` for years 0–9999. */
export function isoDateTime(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const min = Math.floor(rest / 60_000);
  rest -= min * 60_000;
  const s = Math.floor(rest / 1000);
  return [civil(days), 'T', pad2(h), ':', pad2(min), ':', pad2(s), '.', pad3(rest - s * 1000), 'Z'].join('');
}
