import { CursorExpiredError } from '../store/errors.ts';
import type { Change, ChangeLog } from '../store/port.ts';
import { CLOSED, createBoundedQueue, TIMEOUT } from './bounded-queue.ts';
import type { ChangeTailer } from './change-tailer.ts';
import type { EventCursors } from './event-cursors.ts';
import type { EventFilter } from './event-filter.ts';

/** A change as a subscriber receives it: the change, and the cursor that resumes right after it. */
export type FeedEvent = {
  readonly kind: 'event';
  readonly tenant: string;
  readonly cursor: string;
  readonly change: Change;
};
/** Nothing to send for a while: where the subscriber's position is (a narrow filter still advances it). */
export type FeedHeartbeat = {
  readonly kind: 'heartbeat';
  readonly cursor: string;
  readonly highWaterMark: string;
  readonly at: string;
};
/** The subscriber fell too far behind: closed; everything up to `cursor` was delivered. */
export type FeedResync = { readonly kind: 'resync'; readonly cursor: string };
/** A prune passed the subscriber's position while it was catching up: it must start over. */
export type FeedExpired = { readonly kind: 'expired'; readonly message: string };
export type FeedMessage = FeedEvent | FeedHeartbeat | FeedResync | FeedExpired;

/**
 * A subscription's messages one at a time (`next`) or as they come (`nextBatch`): the events one
 * tailer wake-up (or one catch-up page) made ready for this subscriber, in order, or a single
 * heartbeat, resync or expiry. Batches let the transport write a wake-up's events at once.
 */
export type FeedSubscription = AsyncIterableIterator<FeedMessage> & {
  nextBatch(): Promise<IteratorResult<readonly FeedMessage[], undefined>>;
};

export type SubscriptionDeps = {
  readonly changes: ChangeLog;
  readonly tailer: ChangeTailer;
  readonly cursors: EventCursors;
  /** The filter's part beyond the change itself (source of the connection, FHIRPath on the resource); synchronous when it can be. */
  accept(tenant: string, change: Change, filter: EventFilter): boolean | Promise<boolean>;
  readonly now?: () => number;
  /**
   * The event for a change, shared: the tailer hands every subscriber of a tenant the same change
   * object, so one event (and one cursor) serves them all. A new one per call without it.
   */
  readonly eventOf?: (tenant: string, change: Change) => FeedEvent;
};

export type SubscriptionOptions = {
  readonly tenant: string;
  readonly filter: EventFilter;
  /** Resume after this seq; undefined: live from now. */
  readonly afterSeq: number | undefined;
  readonly heartbeatMs: number;
  /** Live changes held for this subscriber before it is closed with RESYNC. */
  readonly bufferSize: number;
  /** Changes read per store round trip while catching up. */
  readonly pageSize: number;
};

/**
 * One subscription: catch up from the store (pull: a slow client only slows its own reads), then
 * attach to the process's tailer once it has scanned as far as the tailer has dispatched, so the
 * seam has no gap (the tailer hands over everything after the attach position) and no duplicate
 * (the sink ignores what was already scanned). Live changes wait in a bounded queue; when it is
 * full the subscription stops taking more, delivers what it holds, and ends with RESYNC and the
 * cursor of the last change it delivered. Throws CursorExpiredError before the first message when
 * `afterSeq` is older than retention.
 */
export async function openSubscription(
  deps: SubscriptionDeps,
  options: SubscriptionOptions,
): Promise<FeedSubscription> {
  const { tenant, filter } = options;
  const now = deps.now ?? Date.now;
  const scan = (from: number) =>
    deps.changes.after(deps.changes.cursorAt(from), options.pageSize, { allTenants: true });
  const start = options.afterSeq ?? deps.tailer.position();
  // Read the first page now so an expired cursor is refused at subscribe time, not mid-stream.
  let pending = start < deps.tailer.position() ? (await scan(start)).changes : undefined;

  const queue = createBoundedQueue<Change>(options.bufferSize);
  let detach: (() => void) | undefined;
  let overflowed = false;
  let cancelled = false;
  let consumed = start;
  /** The tailer's scan position past the changes queued so far: reached once the queue is empty. */
  let scannedLive = start;
  let lastSentAt = now();

  const attach = (from: number) => {
    scannedLive = from;
    detach = deps.tailer.attach({
      tenant,
      push(change) {
        if (change.seq <= from || overflowed) return;
        if (filter.matchesChange(change) && !queue.push(change)) {
          overflowed = true;
          detach?.();
          queue.close();
          return;
        }
        scannedLive = change.seq;
      },
      advance(seq) {
        if (!overflowed) scannedLive = Math.max(scannedLive, seq);
      },
      abort() {
        overflowed = true;
        detach?.();
        queue.close();
      },
    });
  };

  const heartbeat = (): FeedHeartbeat => {
    lastSentAt = now();
    return {
      kind: 'heartbeat',
      cursor: deps.cursors.encode(tenant, consumed),
      highWaterMark: deps.cursors.encode(tenant, Math.max(consumed, deps.tailer.position())),
      at: new Date(lastSentAt).toISOString(),
    };
  };
  const event = (change: Change): FeedEvent => {
    lastSentAt = now();
    return (
      deps.eventOf?.(tenant, change) ?? {
        kind: 'event',
        tenant,
        cursor: deps.cursors.encode(tenant, change.seq),
        change,
      }
    );
  };
  const wanted = (change: Change): boolean | Promise<boolean> =>
    change.tenant === tenant && filter.matchesChange(change) && deps.accept(tenant, change, filter);

  async function* run(): AsyncGenerator<readonly FeedMessage[], void> {
    // Catch-up from the store until this subscriber has scanned what the tailer has dispatched.
    while (!cancelled) {
      if (consumed >= deps.tailer.position()) {
        attach(consumed);
        break;
      }
      let page: Change[];
      try {
        page = pending ?? (await scan(consumed)).changes;
      } catch (err) {
        if (!(err instanceof CursorExpiredError)) throw err;
        yield [{ kind: 'expired', message: err.message }];
        return;
      }
      pending = undefined;
      if (page.length === 0) {
        attach(consumed);
        break;
      }
      let events: FeedEvent[] = [];
      for (const change of page) {
        if (cancelled) return;
        const keep = wanted(change);
        if (keep === true || (keep !== false && (await keep))) events.push(event(change));
        consumed = change.seq;
        if (now() - lastSentAt >= options.heartbeatMs) {
          // The events gathered so far go first: a heartbeat's cursor never passes an undelivered event.
          if (events.length > 0) yield events;
          events = [];
          yield [heartbeat()];
        }
      }
      if (events.length > 0) yield events;
    }
    while (!cancelled) {
      const item = await queue.take(Math.max(1, options.heartbeatMs - (now() - lastSentAt)));
      if (item === CLOSED) {
        if (overflowed && !cancelled)
          yield [{ kind: 'resync', cursor: deps.cursors.encode(tenant, consumed) }];
        return;
      }
      if (item === TIMEOUT) {
        // Nothing queued: everything the tailer scanned for this subscriber was consumed.
        if (queue.size === 0) consumed = Math.max(consumed, scannedLive);
        yield [heartbeat()];
        continue;
      }
      // Everything the tailer queued meanwhile goes out with it: one write per wake-up, not per event.
      const ready = [item, ...queue.takeReady()];
      const events: FeedEvent[] = [];
      for (const change of ready) {
        const keep = wanted(change);
        if (keep === true || (keep !== false && (await keep))) events.push(event(change));
      }
      if (events.length > 0) yield events;
      consumed = (ready.at(-1) as Change).seq;
    }
  }

  const generator = run();
  const cancel = () => {
    cancelled = true;
    detach?.();
    queue.discard();
  };
  // `next` hands out the last batch one message at a time; `nextBatch` what is left of it, or the next.
  let batch: readonly FeedMessage[] = [];
  let taken = 0;
  const iterator: FeedSubscription = {
    async next() {
      if (taken < batch.length) return { done: false, value: batch[taken++] as FeedMessage };
      const result = await generator.next();
      if (result.done) return { done: true, value: undefined };
      batch = result.value;
      taken = 1;
      return { done: false, value: batch[0] as FeedMessage };
    },
    async nextBatch() {
      if (taken < batch.length) {
        const rest = batch.slice(taken);
        taken = batch.length;
        return { done: false, value: rest };
      }
      const result = await generator.next();
      if (result.done) return { done: true, value: undefined };
      batch = result.value;
      taken = batch.length;
      return result;
    },
    async return(value?: unknown) {
      cancel();
      await generator.return(undefined);
      return { done: true, value: value as never };
    },
    async throw(error?: unknown) {
      cancel();
      await generator.return(undefined);
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
