import { MappingFailure } from './run-state.ts';

/**
 * Normalises native date/time text to FHIR `date` and `instant`. Sources write local wall-clock
 * times without an offset (DrChrono) or full ISO 8601 (Jane, Epic); FHIR wants a `date` without a
 * time and an `instant` with seconds and an offset.
 */
export type DateTimeNormalizer = {
  /** `YYYY[-MM[-DD]]` as written (a date-time keeps its local date). */
  dateOnly(text: unknown, path: string): string | undefined;
  /**
   * `YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)`. Text without an offset is wall-clock time in `zone`
   * (an IANA name; UTC when absent), written with that zone's offset at that moment.
   */
  instant(text: unknown, zone: string | undefined, path: string): string | undefined;
};

const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T ].*)?$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

export function createDateTimeNormalizer(): DateTimeNormalizer {
  // Intl formatters are costly to build; one per zone is reused for the life of the mapping set.
  const formatters = new Map<string, Intl.DateTimeFormat>();
  const formatterFor = (zone: string, path: string): Intl.DateTimeFormat => {
    let formatter = formatters.get(zone);
    if (!formatter) {
      try {
        formatter = new Intl.DateTimeFormat('en-US', {
          timeZone: zone,
          hourCycle: 'h23',
          year: 'numeric',
          month: '2-digit',
          day: '2-digit',
          hour: '2-digit',
          minute: '2-digit',
          second: '2-digit',
        });
      } catch {
        throw new MappingFailure('instant: unknown time zone', path);
      }
      formatters.set(zone, formatter);
    }
    return formatter;
  };

  /** Minutes east of UTC of `zone` at the UTC instant `ms`. */
  const offsetMinutes = (zone: string, ms: number, path: string): number => {
    const parts: Record<string, number> = {};
    for (const part of formatterFor(zone, path).formatToParts(ms)) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    const asUtc = Date.UTC(
      parts.year ?? 0,
      (parts.month ?? 1) - 1,
      parts.day ?? 1,
      parts.hour ?? 0,
      parts.minute ?? 0,
      parts.second ?? 0,
    );
    return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
  };

  return {
    dateOnly(text, path) {
      if (text === undefined || text === null || text === '') return undefined;
      const match = typeof text === 'string' ? DATE.exec(text) : null;
      if (!match || !validDate(match[1], match[2], match[3])) {
        throw new MappingFailure('dateOnly: not a date or date-time', path);
      }
      return [match[1], match[2], match[3]].filter((part) => part !== undefined).join('-');
    },

    instant(text, zone, path) {
      if (text === undefined || text === null || text === '') return undefined;
      const match = typeof text === 'string' ? DATE_TIME.exec(text) : null;
      if (!match || !validDate(match[1], match[2], match[3]) || !validTime(match[4], match[5], match[6])) {
        throw new MappingFailure('instant: not a date-time', path);
      }
      const [, year, month, day, hour, minute, second = '00', fraction = '', written] = match;
      const local = `${year}-${month}-${day}T${hour}:${minute}:${second}${fraction}`;
      if (written !== undefined) return `${local}${normalizeOffset(written)}`;
      if (zone === undefined || zone === 'UTC') return `${local}Z`;
      const wall = Date.UTC(
        Number(year),
        Number(month) - 1,
        Number(day),
        Number(hour),
        Number(minute),
        Number(second),
      );
      // The offset depends on the instant, which depends on the offset: settle it in two steps (DST).
      const first = offsetMinutes(zone, wall, path);
      const offset = offsetMinutes(zone, wall - first * 60_000, path);
      return `${local}${formatOffset(offset)}`;
    },
  };
}

function validDate(year?: string, month?: string, day?: string): boolean {
  if (month === undefined) return year !== undefined;
  const m = Number(month);
  if (m < 1 || m > 12) return false;
  if (day === undefined) return true;
  const d = Number(day);
  const daysInMonth = new Date(Date.UTC(Number(year), m, 0)).getUTCDate();
  return d >= 1 && d <= daysInMonth;
}

function validTime(hour?: string, minute?: string, second?: string): boolean {
  return Number(hour) < 24 && Number(minute) < 60 && (second === undefined || Number(second) < 60);
}

function normalizeOffset(written: string): string {
  if (written === 'Z') return 'Z';
  const digits = written.replace(':', '');
  return `${digits.slice(0, 3)}:${digits.slice(3)}`;
}

function formatOffset(minutes: number): string {
  if (minutes === 0) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
