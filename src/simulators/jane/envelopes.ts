import type { ResourceSpec } from './catalog.ts';
import type { Page } from './query.ts';
import type { Entry } from './store.ts';

/** The payload Jane returns for a stored entry: the record plus the timestamps it shows. */
export function toPayload(spec: ResourceSpec, entry: Entry): Record<string, unknown> {
  if (spec.payloadTimestamps.length === 0) return entry.record;
  const out: Record<string, unknown> = { ...entry.record };
  for (const field of spec.payloadTimestamps) {
    out[field] = new Date(field === 'created_at' ? entry.createdAt : entry.updatedAt).toISOString();
  }
  return out;
}

/**
 * List envelopes. Most lists: `{items, cursor, limit, links:{after[,before]}, hasNextPage}` with
 * `links.after` a relative URL. Medications: `{items, pagination:{cursor, next_cursor,
 * prev_cursor, has_next_page}}`. Patient search: the standard one without `links` (PII rule).
 */
export function listEnvelope(
  spec: ResourceSpec,
  page: Page,
  opts: { limit: number; collectionPath: string; currentCursor: string | null; withLinks: boolean },
  items: unknown[],
): Record<string, unknown> {
  if (spec.envelope === 'medications') {
    return {
      items,
      pagination: {
        cursor: opts.currentCursor,
        next_cursor: page.nextCursor,
        // Keyset cursors only run forward; the previous page is not tracked.
        prev_cursor: null,
        has_next_page: page.hasNextPage,
      },
    };
  }
  const body: Record<string, unknown> = { items, cursor: page.nextCursor, limit: opts.limit };
  if (opts.withLinks) {
    const after = page.nextCursor
      ? `${opts.collectionPath}?page[cursor]=${encodeURIComponent(page.nextCursor)}&page[limit]=${opts.limit}`
      : null;
    body.links = spec.linksBefore ? { before: null, after } : { after };
  }
  body.hasNextPage = page.hasNextPage;
  return body;
}
