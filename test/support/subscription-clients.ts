import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** One message of a subscription as a client sees it: the GraphQL result, or the end. */
export type SubscriptionResult = {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
};

/** A subscription being received: results in arrival order, with a way to wait for the next. */
export type Received = {
  readonly results: SubscriptionResult[];
  /** Resolves once `results.length > count` (or the stream ended). */
  waitFor(count: number): Promise<void>;
  readonly ended: Promise<void>;
  close(): void;
};

function collector() {
  const results: SubscriptionResult[] = [];
  let waiters: Array<{ count: number; resolve: () => void }> = [];
  let done = false;
  let endResolve: () => void = () => {};
  const ended = new Promise<void>((resolve) => {
    endResolve = resolve;
  });
  const flush = () => {
    waiters = waiters.filter((w) => {
      if (done || results.length > w.count) {
        w.resolve();
        return false;
      }
      return true;
    });
  };
  return {
    results,
    ended,
    push(result: SubscriptionResult) {
      results.push(result);
      flush();
    },
    end() {
      done = true;
      endResolve();
      flush();
    },
    waitFor(count: number) {
      return new Promise<void>((resolve) => {
        waiters.push({ count, resolve });
        flush();
      });
    },
  };
}

/**
 * A Server-Sent Events client over a real socket: POSTs the subscription with
 * `accept: text/event-stream` (yoga's distinct-connection mode) and parses the `event:`/`data:`
 * frames as they arrive.
 */
export function sseSubscribe(
  url: string,
  token: string | undefined,
  query: string,
  variables?: Record<string, unknown>,
): Received & { readonly status: Promise<number> } {
  const c = collector();
  const abort = new AbortController();
  let statusResolve: (status: number) => void = () => {};
  const status = new Promise<number>((resolve) => {
    statusResolve = resolve;
  });
  void (async () => {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, ...(variables ? { variables } : {}) }),
        signal: abort.signal,
      });
      statusResolve(res.status);
      if (!res.headers.get('content-type')?.includes('text/event-stream')) {
        c.push((await res.json()) as SubscriptionResult);
        return;
      }
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = frame.split('\n');
          const event = lines
            .find((l) => l.startsWith('event:'))
            ?.slice(6)
            .trim();
          const data = lines
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trimStart())
            .join('\n');
          if (event === 'complete') return;
          if (event === 'next' && data) c.push(JSON.parse(data) as SubscriptionResult);
          end = buffer.indexOf('\n\n');
        }
      }
    } catch (err) {
      if ((err as Error).name !== 'AbortError')
        c.push({ errors: [{ message: `client: ${(err as Error).message}` }] });
    } finally {
      c.end();
    }
  })();
  return {
    results: c.results,
    waitFor: c.waitFor,
    ended: c.ended,
    status,
    close: () => abort.abort(),
  };
}

/** The standard graphql-ws client (over `ws`), its API key in connectionParams. */
export function wsClient(url: string, token: string | undefined): Client {
  return createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
}

/** Subscribes with a graphql-ws client; `close` unsubscribes. */
export function wsSubscribe(
  client: Client,
  query: string,
  variables?: Record<string, unknown>,
): Received & { readonly error: Promise<unknown> } {
  const c = collector();
  let errorResolve: (e: unknown) => void = () => {};
  const error = new Promise<unknown>((resolve) => {
    errorResolve = resolve;
  });
  const unsubscribe = client.subscribe(
    { query, ...(variables ? { variables } : {}) },
    {
      next: (result) => c.push(result as SubscriptionResult),
      error: (err) => {
        errorResolve(err);
        c.end();
      },
      complete: () => c.end(),
    },
  );
  return { results: c.results, waitFor: c.waitFor, ended: c.ended, error, close: unsubscribe };
}

/** A GraphQL query over HTTP POST, as a client library sends it. */
export async function postQuery(
  url: string,
  token: string | undefined,
  query: string,
  variables?: Record<string, unknown>,
): Promise<SubscriptionResult> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, ...(variables ? { variables } : {}) }),
  });
  return (await res.json()) as SubscriptionResult;
}

/** A cursor from `feedStatus` (`highWaterMark`: after everything so far; `oldestRetained`: the oldest accepted). */
export async function statusCursor(
  url: string,
  token: string,
  field: 'highWaterMark' | 'oldestRetained' = 'highWaterMark',
): Promise<string> {
  const res = await postQuery(url, token, `{ feedStatus { ${field} } }`);
  const status = (res.data?.feedStatus ?? {}) as Record<string, string | undefined>;
  const cursor = status[field];
  if (typeof cursor !== 'string')
    throw new Error(`feedStatus.${field} missing: ${JSON.stringify(res.errors)}`);
  return cursor;
}
