/**
 * FHIR dates as half-open millisecond ranges [low, high): a value stands for every instant its
 * precision covers ('2020' is the whole year). Values without a timezone are read as UTC, so the
 * index and the search agree. Open ends use the extreme JS dates, which every store can compare.
 */
export type DateRange = { readonly low: number; readonly high: number };

export const DATE_MIN = -8_640_000_000_000_000;
export const DATE_MAX = 8_640_000_000_000_000;

const DATE_PATTERN =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** Parses a FHIR date, dateTime or instant (seconds optional, as search allows); undefined if malformed. */
export function parseDateRange(text: string): DateRange | undefined {
  const match = DATE_PATTERN.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const y = Number(year);
  const mo = month === undefined ? 1 : Number(month);
  const d = day === undefined ? 1 : Number(day);
  const h = hour === undefined ? 0 : Number(hour);
  const mi = minute === undefined ? 0 : Number(minute);
  const s = second === undefined ? 0 : Number(second);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return undefined;
  const fractionDigits = fraction ?? '';
  const ms = fractionDigits === '' ? 0 : Math.floor(Number(`0.${fractionDigits}`) * 1000);
  const offsetMs = zone === undefined || zone === 'Z' ? 0 : zoneOffsetMs(zone);
  const low = Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMs;
  return { low, high: precisionEnd(low, { month, day, hour, second, fractionDigits }, y, mo) };
}

function precisionEnd(
  low: number,
  given: { month?: string; day?: string; hour?: string; second?: string; fractionDigits: string },
  year: number,
  month: number,
): number {
  if (given.month === undefined) return low + (Date.UTC(year + 1, 0, 1) - Date.UTC(year, 0, 1));
  if (given.day === undefined) return low + daysInMonth(year, month) * 86_400_000;
  if (given.hour === undefined) return low + 86_400_000;
  if (given.second === undefined) return low + 60_000;
  if (given.fractionDigits === '') return low + 1000;
  return low + Math.max(1, 10 ** (3 - given.fractionDigits.length));
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function zoneOffsetMs(zone: string): number {
  const sign = zone.startsWith('-') ? -1 : 1;
  const [hours, minutes] = zone.slice(1).split(':').map(Number);
  return sign * ((hours ?? 0) * 60 + (minutes ?? 0)) * 60_000;
}

/** A Period's range: from the start of `start` to the end of `end`; a missing side is open. */
export function periodRange(start: string | undefined, end: string | undefined): DateRange | undefined {
  const from = start === undefined ? undefined : parseDateRange(start);
  const to = end === undefined ? undefined : parseDateRange(end);
  if ((start !== undefined && !from) || (end !== undefined && !to) || (!from && !to)) return undefined;
  return { low: from?.low ?? DATE_MIN, high: to?.high ?? DATE_MAX };
}
