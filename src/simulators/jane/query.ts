import {
  type FilterOp,
  type FilterSpec,
  MAX_EQ_VALUES,
  OPS_BY_TYPE,
  PAGE_LIMITS,
  type ResourceSpec,
  type SortSpec,
} from './catalog.ts';
import type { ClinicStore, Entry } from './store.ts';

/**
 * JDP list queries: `field[op]=value` filters, `sort=a,-b`, `page[cursor]` / `page[limit]`.
 * Cursors are keyset cursors (the sort key of the last item served), so pages stay consistent
 * while records are created or updated between requests. A cursor carries its query and is
 * rejected with another one.
 */
export type Filter = { name: string; spec: FilterSpec; op: FilterOp; values: string[]; instants?: number[] };
export type SortKey = { name: string; spec: SortSpec; descending: boolean };
export type ListQuery = {
  filters: Filter[];
  sort: SortKey[];
  limit: number;
  after?: unknown[];
  signature: string;
};
export type QueryResult<T> = { ok: true; value: T } | { ok: false; message: string; path?: string };

/** ISO 8601 to the second, with Z or an offset (what JDP requires of datetime filters). */
const DATETIME_TO_SECOND = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/;
const FILTER_PARAM = /^([a-z_]+)\[([a-z]+)\]$/;

const fail = (message: string, path?: string): QueryResult<never> => ({
  ok: false,
  message,
  ...(path ? { path } : {}),
});

export function parseListQuery(
  spec: ResourceSpec,
  params: URLSearchParams,
  defaultLimit: number = PAGE_LIMITS.default,
): QueryResult<ListQuery> {
  const filters: Filter[] = [];
  for (const [key, value] of params) {
    if (key === 'sort' || key === 'page[cursor]' || key === 'page[limit]') continue;
    const m = FILTER_PARAM.exec(key);
    const name = m?.[1] ?? key;
    const filterSpec = spec.filters[name];
    if (!filterSpec) return fail(`Unsupported filter field "${name}"`, `/${key}`);
    if (!m) return fail(`Filter "${name}" needs an operator, e.g. ${name}[eq]=value`, `/${key}`);
    const op = m[2] as FilterOp;
    const allowed = filterSpec.ops ?? OPS_BY_TYPE[filterSpec.type];
    if (!allowed.includes(op)) {
      return fail(
        `Operator "${op}" is not supported on "${name}" (allowed: ${allowed.join(', ')})`,
        `/${key}`,
      );
    }
    const values = op === 'eq' ? value.split(',') : [value];
    if (values.length > MAX_EQ_VALUES)
      return fail(`At most ${MAX_EQ_VALUES} values are allowed in ${key}`, `/${key}`);
    const filter: Filter = { name, spec: filterSpec, op, values };
    if (filterSpec.type === 'datetime') {
      const bad = values.find((v) => !DATETIME_TO_SECOND.test(v) || Number.isNaN(Date.parse(v)));
      if (bad !== undefined) {
        return fail(
          `${key} must be an ISO 8601 date-time precise to the second, e.g. 2025-01-01T12:00:00Z`,
          `/${key}`,
        );
      }
      filter.instants = values.map((v) => Math.floor(Date.parse(v) / 1000));
    }
    filters.push(filter);
  }

  const sortParam = params.get('sort') ?? spec.defaultSort;
  const sort: SortKey[] = [];
  for (const raw of sortParam.split(',')) {
    const descending = raw.startsWith('-');
    const name = descending ? raw.slice(1) : raw;
    const sortSpec = spec.sorts[name];
    if (!sortSpec) {
      return fail(
        `Unsupported sort field "${name}" (allowed: ${Object.keys(spec.sorts).join(', ')})`,
        '/sort',
      );
    }
    sort.push({ name, spec: sortSpec, descending });
  }

  const limitParam = params.get('page[limit]');
  const limit = limitParam === null ? defaultLimit : Number(limitParam);
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_LIMITS.max) {
    return fail(`page[limit] must be an integer between 1 and ${PAGE_LIMITS.max}`, '/page[limit]');
  }

  const signature = querySignature(filters, sort);
  const cursor = params.get('page[cursor]');
  if (cursor === null || cursor === '') return { ok: true, value: { filters, sort, limit, signature } };
  const decoded = decodeCursor(cursor);
  if (!decoded) return fail('page[cursor] is not a valid cursor', '/page[cursor]');
  // A bare cursor (as in links.after) brings its own query; an explicit query must match it.
  const explicit = [...params.keys()].some((k) => k !== 'page[cursor]' && k !== 'page[limit]');
  if (explicit && decoded.q !== signature) {
    return fail('page[cursor] was issued for a different filter or sort', '/page[cursor]');
  }
  if (!explicit) {
    const replay = parseListQuery(spec, new URLSearchParams(decoded.q), defaultLimit);
    if (!replay.ok) return fail('page[cursor] is not a valid cursor', '/page[cursor]');
    return { ok: true, value: { ...replay.value, limit, after: decoded.k } };
  }
  return { ok: true, value: { filters, sort, limit, signature, after: decoded.k } };
}

/** The query as canonical URL parameters (sorted), which is what a cursor remembers. */
function querySignature(filters: Filter[], sort: SortKey[]): string {
  const p = new URLSearchParams();
  for (const f of [...filters].sort((a, b) => `${a.name}${a.op}`.localeCompare(`${b.name}${b.op}`))) {
    p.append(`${f.name}[${f.op}]`, f.values.join(','));
  }
  p.append('sort', sort.map((s) => `${s.descending ? '-' : ''}${s.name}`).join(','));
  return p.toString();
}

export function encodeCursor(signature: string, key: unknown[]): string {
  return Buffer.from(JSON.stringify({ q: signature, k: key })).toString('base64url');
}

function decodeCursor(cursor: string): { q: string; k: unknown[] } | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      typeof (parsed as { q?: unknown }).q === 'string' &&
      Array.isArray((parsed as { k?: unknown }).k)
    ) {
      return parsed as { q: string; k: unknown[] };
    }
  } catch {
    // fall through: not base64 JSON
  }
  return undefined;
}

function sortValue(entry: Entry, key: SortKey): string | number {
  const { spec } = key;
  if (spec.source === 'created_at') return entry.createdAt;
  if (spec.source === 'updated_at') return entry.updatedAt;
  const raw = entry.record[spec.field ?? key.name];
  if (spec.type === 'datetime') return typeof raw === 'string' ? Date.parse(raw) || 0 : 0;
  if (spec.type === 'number') return typeof raw === 'number' ? raw : 0;
  return typeof raw === 'string' ? raw : String(raw ?? '');
}

type Keyed = { entry: Entry; key: (string | number)[] };

function compareKeys(a: readonly unknown[], b: readonly unknown[], sort: SortKey[]): number {
  for (let i = 0; i <= sort.length; i++) {
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (x === y) continue;
    const descending = sort[i]?.descending ?? false;
    const order = x < y ? -1 : 1;
    return descending ? -order : order;
  }
  return 0;
}

function matches(entry: Entry, filter: Filter): boolean {
  const { spec } = filter;
  if (spec.type === 'datetime') {
    const ms =
      spec.source === 'created_at'
        ? entry.createdAt
        : spec.source === 'updated_at'
          ? entry.updatedAt
          : Date.parse(String(entry.record[spec.field ?? filter.name] ?? ''));
    if (Number.isNaN(ms)) return false;
    // Jane compares at second granularity: a record updated at 12:00:00.700 is "at" 12:00:00.
    const at = Math.floor(ms / 1000);
    const instants = filter.instants ?? [];
    const first = instants[0] ?? 0;
    switch (filter.op) {
      case 'eq':
        return instants.includes(at);
      case 'ne':
        return at !== first;
      case 'gt':
        return at > first;
      case 'gte':
        return at >= first;
      case 'lt':
        return at < first;
      default:
        return at <= first;
    }
  }
  const raw =
    spec.source === 'internal' ? entry.internal?.[filter.name] : entry.record[spec.field ?? filter.name];
  if (Array.isArray(raw)) return filter.values.some((v) => raw.includes(v));
  const value = raw === null || raw === undefined ? '' : String(raw);
  const first = filter.values[0] ?? '';
  switch (filter.op) {
    case 'eq':
      return filter.values.includes(value);
    case 'ne':
      return value !== first;
    case 'co':
      return value.toLowerCase().includes(first.toLowerCase());
    case 'sw':
      return value
        .toLowerCase()
        .split(/\s+/)
        .some((word) => word.startsWith(first.toLowerCase()));
    case 'gt':
      return value > first;
    case 'gte':
      return value >= first;
    case 'lt':
      return value < first;
    default:
      return value <= first;
  }
}

export type Page = { items: Entry[]; hasNextPage: boolean; nextCursor: string | null };

/** One page of `kind` for `query`, plus the cursor of the next page. */
export function readPage(
  store: ClinicStore,
  spec: ResourceSpec,
  query: ListQuery,
  extraFilter?: (entry: Entry) => boolean,
): Page {
  const sortId = query.sort.map((s) => `${s.descending ? '-' : ''}${s.name}`).join(',');
  const sorted = store.sorted(spec.kind, sortId, (entries): Keyed[] =>
    entries
      .map((entry) => ({ entry, key: [...query.sort.map((s) => sortValue(entry, s)), entry.id] }))
      .sort((a, b) => compareKeys(a.key, b.key, query.sort)),
  );
  let start = 0;
  if (query.after) {
    const after = query.after;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const item = sorted[mid];
      if (item && compareKeys(item.key, after, query.sort) <= 0) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const items: Keyed[] = [];
  let hasNextPage = false;
  for (let i = start; i < sorted.length; i++) {
    const item = sorted[i];
    if (!item) break;
    if (!query.filters.every((f) => matches(item.entry, f))) continue;
    if (extraFilter && !extraFilter(item.entry)) continue;
    if (items.length === query.limit) {
      hasNextPage = true;
      break;
    }
    items.push(item);
  }
  const last = items.at(-1);
  return {
    items: items.map((i) => i.entry),
    hasNextPage,
    nextCursor: hasNextPage && last ? encodeCursor(query.signature, last.key) : null,
  };
}
