/**
 * Parsing and matching of FHIR search values (token, string, date, reference) against
 * element values. Parse errors throw `SearchValueError` so the caller can name the
 * parameter without echoing the (possibly identifying) value.
 */
export class SearchValueError extends Error {}

export type ValueMatcher = (elementValue: unknown) => boolean;

// ---- token -----------------------------------------------------------------------------

export function tokenMatcher(query: string): ValueMatcher {
  const bar = query.indexOf('|');
  const system = bar >= 0 ? query.slice(0, bar) : undefined;
  const code = bar >= 0 ? query.slice(bar + 1) : query;
  if (system === undefined && code === '') throw new SearchValueError('empty token');
  const matchPair = (s: string | undefined, c: string | undefined) => {
    if (system !== undefined && system !== '' && s !== system) return false;
    if (system === '' && s !== undefined) return false;
    return code === '' || c === code;
  };
  return (value) => {
    if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number')
      return system === undefined || system === '' ? String(value) === code : false;
    if (!value || typeof value !== 'object') return false;
    const v = value as { system?: string; code?: string; value?: string; coding?: unknown[] };
    if (Array.isArray(v.coding))
      return v.coding.some((c) => {
        const coding = c as { system?: string; code?: string };
        return matchPair(coding.system, coding.code);
      });
    if (v.code !== undefined) return matchPair(v.system, v.code);
    if (v.value !== undefined) return matchPair(v.system, v.value);
    return false;
  };
}

// ---- string ----------------------------------------------------------------------------

const normalize = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();

/** Every string inside a value: HumanName and Address parts, or the string itself. */
function stringParts(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (!value || typeof value !== 'object') return [];
  const out: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (key === 'use' || key === 'period' || key === 'type') continue;
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) for (const item of v) if (typeof item === 'string') out.push(item);
  }
  return out;
}

/** FHIR string search: case- and accent-insensitive "starts with"; `exact` and `contains` modifiers. */
export function stringMatcher(query: string, modifier: string | undefined): ValueMatcher {
  if (query === '') throw new SearchValueError('empty string');
  if (modifier === 'exact') return (value) => stringParts(value).some((p) => p === query);
  const q = normalize(query);
  if (modifier === 'contains') return (value) => stringParts(value).some((p) => normalize(p).includes(q));
  return (value) => stringParts(value).some((p) => normalize(p).startsWith(q));
}

// ---- date ------------------------------------------------------------------------------

const DATE_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;
const PREFIXES = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
type Prefix = (typeof PREFIXES)[number];
type Range = { lo: number; hi: number };

/**
 * The instant range a date covers at its precision, half-open [lo, hi). A value without a
 * time zone is read as UTC: Epic assumes its server's local time, and the simulator's is UTC.
 */
export function dateRange(text: string): Range | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const year = Number(y);
  const month = mo ? Number(mo) - 1 : 0;
  const day = d ? Number(d) : 1;
  if (mo && (month < 0 || month > 11)) return undefined;
  if (d && (day < 1 || day > 31)) return undefined;
  const offsetMs =
    !tz || tz === 'Z'
      ? 0
      : (tz.startsWith('-') ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) * 60_000;
  const lo =
    Date.UTC(
      year,
      month,
      day,
      h ? Number(h) : 0,
      mi ? Number(mi) : 0,
      s ? Number(s) : 0,
      frac ? Math.round(Number(frac) * 1000) : 0,
    ) - offsetMs;
  let hi: number;
  if (!mo) hi = Date.UTC(year + 1, 0, 1);
  else if (!d) hi = Date.UTC(year, month + 1, 1);
  else if (!h) hi = Date.UTC(year, month, day + 1);
  else if (!s) hi = lo + 60_000;
  else if (!frac) hi = lo + 1000;
  else hi = lo + 1;
  return { lo, hi };
}

function elementRange(value: unknown): Range | undefined {
  if (typeof value === 'string') return dateRange(value);
  if (value && typeof value === 'object') {
    const p = value as { start?: string; end?: string };
    if (p.start === undefined && p.end === undefined) return undefined;
    return {
      lo: p.start ? (dateRange(p.start)?.lo ?? Number.NEGATIVE_INFINITY) : Number.NEGATIVE_INFINITY,
      hi: p.end ? (dateRange(p.end)?.hi ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY,
    };
  }
  return undefined;
}

/** FHIR date search with Epic's prefixes (eq, lt, le, gt, ge; ne as a bonus). */
export function dateMatcher(query: string): ValueMatcher {
  const prefix: Prefix = (PREFIXES as readonly string[]).includes(query.slice(0, 2))
    ? (query.slice(0, 2) as Prefix)
    : 'eq';
  const text = /^[a-z]{2}/.test(query) ? query.slice(2) : query;
  if (/^[a-z]{2}/.test(query) && !(PREFIXES as readonly string[]).includes(query.slice(0, 2)))
    throw new SearchValueError('unsupported date prefix');
  const p = dateRange(text);
  if (!p) throw new SearchValueError('invalid date');
  const test: (t: Range) => boolean = {
    eq: (t: Range) => t.lo >= p.lo && t.hi <= p.hi,
    ne: (t: Range) => !(t.lo >= p.lo && t.hi <= p.hi),
    lt: (t: Range) => t.lo < p.lo,
    le: (t: Range) => t.lo < p.hi,
    gt: (t: Range) => t.hi > p.hi,
    ge: (t: Range) => t.hi > p.lo,
  }[prefix];
  return (value) => {
    const t = elementRange(value);
    return t !== undefined && test(t);
  };
}

// ---- reference -------------------------------------------------------------------------

/** Matches `id`, `Type/id` or an absolute URL ending in `Type/id`, limited to `target` when set. */
export function referenceMatcher(query: string, target: string | undefined): ValueMatcher {
  if (query === '') throw new SearchValueError('empty reference');
  const parts = query.split('/').filter(Boolean);
  const qid = parts.at(-1) ?? '';
  const qtype = parts.length >= 2 ? parts.at(-2) : undefined;
  if (qtype && target && qtype !== target) throw new SearchValueError('reference to the wrong type');
  const type = qtype ?? target;
  return (value) => {
    const ref = typeof value === 'string' ? value : (value as { reference?: string } | null)?.reference;
    if (typeof ref !== 'string') return false;
    if (type) return ref === `${type}/${qid}` || ref.endsWith(`/${type}/${qid}`);
    return ref.endsWith(`/${qid}`);
  };
}

/** The bare id a reference query names (for index lookups). */
export function referencedId(query: string): string {
  return query.split('/').filter(Boolean).at(-1) ?? '';
}
