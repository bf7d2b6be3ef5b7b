import { randomBytes } from 'node:crypto';
import type { Clock } from '../common/clock.ts';
import { EpicHttpError } from './epic-outcome.ts';

type Snapshot = { queryKey: string; refs: string[]; expiresAt: number };
type Page = { snapshot: Snapshot; offset: number };

export type SearchSessions = {
  /** Freezes a result list (as `Type/id` refs) and answers the session id of the page at `offset`. */
  open(queryKey: string, refs: string[], offset: number): string;
  /** The page a `sessionID` names; 4113 when unknown or expired, 4114 when the query changed. */
  resume(
    sessionID: string,
    queryKey: string,
  ): { refs: string[]; offset: number; sessionOf(offset: number): string };
};

/**
 * Epic pages a search by caching its results under a `sessionID` carried in the `next`
 * link; the cache expires, after which the link answers 4113. Each page gets its own id
 * so fetching a link twice gives the same page.
 */
export function createSearchSessions(opts: { clock: Clock; ttlMs: number }): SearchSessions {
  const pages = new Map<string, Page>();

  const register = (snapshot: Snapshot, offset: number): string => {
    // Epic's ids look like `10-57E8BB9A…`; randomness keeps them unguessable.
    const id = `10-${randomBytes(16).toString('hex').toUpperCase()}`;
    pages.set(id, { snapshot, offset });
    return id;
  };

  const prune = () => {
    const now = opts.clock();
    // Insertion order is expiry order (one TTL for all), so stop at the first live page.
    for (const [id, page] of pages) {
      if (page.snapshot.expiresAt > now) break;
      pages.delete(id);
    }
  };

  return {
    open(queryKey, refs, offset) {
      prune();
      return register({ queryKey, refs, expiresAt: opts.clock() + opts.ttlMs }, offset);
    },
    resume(sessionID, queryKey) {
      const page = pages.get(sessionID);
      if (!page || page.snapshot.expiresAt <= opts.clock())
        throw new EpicHttpError('4113', 'The search session has expired; run the search again');
      if (page.snapshot.queryKey !== queryKey)
        throw new EpicHttpError('4114', 'A sessionID must be used with the query that created it');
      const { snapshot } = page;
      return { refs: snapshot.refs, offset: page.offset, sessionOf: (offset) => register(snapshot, offset) };
    },
  };
}
