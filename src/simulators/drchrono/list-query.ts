import type { Endpoint, FilterSpec } from './catalog.ts';
import type { Entry } from './store.ts';
import { DAY_MS, formatDate, parseDrChronoTime, startOfDay } from './time-format.ts';
import type { FieldErrors } from './validation.ts';

/** Page size: default and maximum 250; larger requests are clamped, as DRF's paginator does. */
export const MAX_PAGE_SIZE = 250;

export type ListQuery = {
  pageSize: number;
  verbose: boolean;
  showArchived: boolean;
  cursor: Cursor | undefined;
  matches(entry: Entry): boolean;
};

/** Opaque to clients: base64url JSON of the position after (`a`) or before (`b`) an id. */
export type Cursor = { a?: number; b?: number };

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

export function decodeCursor(raw: string): Cursor | undefined {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown;
    if (typeof c !== 'object' || c === null) return undefined;
    const { a, b } = c as Record<string, unknown>;
    if (a !== undefined && typeof a !== 'number') return undefined;
    if (b !== undefined && typeof b !== 'number') return undefined;
    if (a === undefined && b === undefined) return undefined;
    return { ...(a !== undefined ? { a } : {}), ...(b !== undefined ? { b } : {}) };
  } catch {
    return undefined;
  }
}

const truthy = (v: string | null) => v === 'true' || v === '1' || v === 'True';

/** Parses a list request; answers DRF-shaped errors (`{"detail"}` or field-keyed) on bad input. */
export function parseListQuery(
  endpoint: Endpoint,
  params: URLSearchParams,
): { ok: true; query: ListQuery } | { ok: false; body: FieldErrors | { detail: string } } {
  for (const name of endpoint.requiredParams) {
    if (!params.get(name)) return { ok: false, body: { [name]: ['This field is required.'] } };
  }
  if (endpoint.requireOneOf.length && !endpoint.requireOneOf.some((p) => params.get(p))) {
    const names = endpoint.requireOneOf.map((p) => `\`${p}\``).join(', ');
    return { ok: false, body: { detail: `One of the following parameters must be specified: ${names}.` } };
  }
  const verbose = endpoint.flags.includes('verbose') && truthy(params.get('verbose'));
  const requested = Number(params.get('page_size') ?? MAX_PAGE_SIZE);
  if (params.has('page_size') && (!Number.isInteger(requested) || requested < 1)) {
    return { ok: false, body: { page_size: ['A valid positive integer is required.'] } };
  }
  const limit = verbose && endpoint.verbosePageSize ? endpoint.verbosePageSize : MAX_PAGE_SIZE;
  const rawCursor = params.get('cursor');
  const cursor = rawCursor ? decodeCursor(rawCursor) : undefined;
  if (rawCursor && !cursor) return { ok: false, body: { detail: 'Invalid cursor' } };

  const predicates: ((e: Entry) => boolean)[] = [];
  const errors: FieldErrors = {};
  for (const [name, spec] of Object.entries(endpoint.filters)) {
    const value = params.get(name);
    if (value === null || value === '') continue;
    const built = buildPredicate(endpoint, name, spec, value);
    if (typeof built === 'string') errors[name] = [built];
    else predicates.push(built);
  }
  if (Object.keys(errors).length) return { ok: false, body: errors };

  const soft = endpoint.softDelete;
  const showArchived = soft?.hiddenUnless ? truthy(params.get(soft.hiddenUnless)) : true;
  if (soft?.hiddenUnless && !showArchived) predicates.push((e) => e.record[soft.field] !== true);

  return {
    ok: true,
    query: {
      pageSize: Math.min(requested, limit),
      verbose,
      showArchived,
      cursor,
      matches: (e) => predicates.every((p) => p(e)),
    },
  };
}

function buildPredicate(
  endpoint: Endpoint,
  name: string,
  spec: FilterSpec,
  value: string,
): ((e: Entry) => boolean) | string {
  const field = spec.field ?? name;
  switch (spec.match) {
    case 'eq':
      return (e) => {
        const v = e.record[field];
        return Array.isArray(v) ? v.some((x) => String(x) === value) : v !== null && String(v) === value;
      };
    case 'iexact': {
      const lower = value.toLowerCase();
      return (e) => String(e.record[field] ?? '').toLowerCase() === lower;
    }
    case 'since': {
      // DrChrono's since has date granularity: a time part is ignored.
      const at = parseDrChronoTime(value);
      if (at === undefined) return 'Enter a valid date.';
      const from = startOfDay(at);
      return (e) => e.updatedAt >= from;
    }
    case 'datetimeGte': {
      const at = parseDrChronoTime(value);
      if (at === undefined) return 'Enter a valid date/time.';
      return (e) => {
        const raw = e.record[field];
        const t =
          typeof raw === 'string' ? parseDrChronoTime(raw) : field === 'updated_at' ? e.updatedAt : undefined;
        return t !== undefined && t >= at;
      };
    }
    case 'date': {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || parseDrChronoTime(value) === undefined)
        return 'Enter a valid date.';
      return (e) => dateOf(e.record[field]) === value;
    }
    case 'dateRange': {
      const [start, end, extra] = value.split('/');
      const from = start ? parseDrChronoTime(start) : undefined;
      const to = end ? parseDrChronoTime(end) : undefined;
      if (
        extra !== undefined ||
        from === undefined ||
        to === undefined ||
        start?.length !== 10 ||
        end?.length !== 10
      )
        return 'Enter a valid date range (YYYY-MM-DD/YYYY-MM-DD).';
      if (to < from) return 'The end date must not be before the start date.';
      const max = endpoint.maxDateRangeDays;
      if (max && (to - from) / DAY_MS > max) return `The date range may span at most ${max} days.`;
      const lo = formatDate(from);
      const hi = formatDate(to);
      return (e) => {
        const d = dateOf(e.record[field]);
        return d !== undefined && d >= lo && d <= hi;
      };
    }
  }
}

const dateOf = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length >= 10 ? v.slice(0, 10) : undefined;
