/**
 * The items of `open(signal)`, read one ahead: item N+1 is asked for as soon as item N is handed
 * out, so a remote source prepares the next page while this process writes the current one.
 *
 * - Bounded: at most one item in flight beyond the one handed out (memory stays flat).
 * - Nothing is handed out once `signal` has aborted: a stopped run writes none of the read-ahead.
 * - When the consumer stops early (break, throw, abort) the item in flight is cancelled through
 *   the signal given to `open` and dropped, and the source is closed before this returns.
 * - On a complete read the source is asked for exactly the items it has: the read past the last
 *   item is the source's own end (no request), as without read-ahead.
 * An error of the source surfaces when the consumer asks for the item it concerns, in order.
 */
export async function* readAhead<T>(
  open: (signal: AbortSignal) => AsyncIterable<T>,
  signal: AbortSignal,
): AsyncGenerator<T, void, undefined> {
  const own = new AbortController();
  const iterator = open(AbortSignal.any([signal, own.signal]))[Symbol.asyncIterator]();
  let ended = false;
  try {
    let next = iterator.next();
    for (;;) {
      const current = await next;
      if (current.done) {
        ended = true;
        return;
      }
      if (signal.aborted) return;
      next = iterator.next();
      // Awaited in turn, or dropped below if the consumer stops first: never an unhandled rejection.
      next.catch(() => undefined);
      yield current.value;
    }
  } finally {
    if (!ended) {
      own.abort();
      // Queued behind the read in flight, which the abort ends: the source is closed when this settles.
      await iterator.return?.(undefined).catch(() => undefined);
    }
  }
}
