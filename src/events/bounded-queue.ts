/** What `take` answers besides an item. */
export const TIMEOUT: unique symbol = Symbol('timeout');
export const CLOSED: unique symbol = Symbol('closed');

export type BoundedQueue<T> = {
  /** Adds an item; false (and nothing added) when the queue is full or closed. */
  push(item: T): boolean;
  /** The next item, TIMEOUT after `timeoutMs` without one, or CLOSED once closed and drained. */
  take(timeoutMs: number): Promise<T | typeof TIMEOUT | typeof CLOSED>;
  /** Every item queued right now, at once (none: an empty list); never waits. */
  takeReady(): T[];
  /** No more pushes; items already queued are still taken, then CLOSED. */
  close(): void;
  /** Drops the items still queued and ends a waiting take (the consumer is gone). */
  discard(): void;
  readonly size: number;
};

/**
 * A FIFO with a hard capacity and one consumer: the per-subscriber buffer between the tailer
 * (which must never wait for a slow client) and the client. A full queue refuses the item
 * rather than growing or dropping silently; the caller decides what that means (RESYNC).
 */
export function createBoundedQueue<T>(capacity: number): BoundedQueue<T> {
  let items: T[] = [];
  let head = 0;
  let closed = false;
  let waiter: ((value: T | typeof TIMEOUT | typeof CLOSED) => void) | undefined;

  const size = () => items.length - head;
  const deliver = (): boolean => {
    if (!waiter) return false;
    const w = waiter;
    if (size() > 0) {
      waiter = undefined;
      w(shift());
      return true;
    }
    if (closed) {
      waiter = undefined;
      w(CLOSED);
      return true;
    }
    return false;
  };
  const shift = (): T => {
    const item = items[head] as T;
    items[head] = undefined as T;
    head++;
    // Compact now and then so the array does not grow with everything ever queued.
    if (head > 1024 && head * 2 > items.length) {
      items = items.slice(head);
      head = 0;
    }
    return item;
  };

  return {
    push(item) {
      if (closed || size() >= capacity) return false;
      items.push(item);
      deliver();
      return true;
    },
    take(timeoutMs) {
      if (size() > 0) return Promise.resolve(shift());
      if (closed) return Promise.resolve(CLOSED);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          if (waiter === settle) waiter = undefined;
          resolve(TIMEOUT);
        }, timeoutMs);
        const settle = (value: T | typeof TIMEOUT | typeof CLOSED) => {
          clearTimeout(timer);
          resolve(value);
        };
        waiter = settle;
      });
    },
    takeReady() {
      if (size() === 0) return [];
      const ready = items.slice(head);
      items = [];
      head = 0;
      return ready;
    },
    close() {
      closed = true;
      deliver();
    },
    discard() {
      closed = true;
      items = [];
      head = 0;
      deliver();
    },
    get size() {
      return size();
    },
  };
}
