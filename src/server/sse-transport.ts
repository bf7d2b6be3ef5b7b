import type { ExecutionResult } from 'graphql';
import { GraphQLError } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { isFrameBatch } from '../graphql/changes/frame-batch.ts';

/** A comment line now and then keeps idle connections (and proxies) open, as yoga's own SSE does. */
const PING_MS = 12_000;
const EVENT_STREAM = 'text/event-stream';

/**
 * Server-Sent Events for subscriptions (yoga's distinct-connection mode, the same frames), written
 * a batch at a time: a `FrameBatch` (a group's shared, already serialized events) goes out as one
 * chunk, so a tailer wake-up costs each subscriber one write, not one per event. Backpressure is
 * the stream's: the next batch is pulled only when the response has taken the last one.
 */
export function useBatchedSse(): Plugin {
  return {
    onResultProcess({ request, result, setResultProcessor }) {
      if (!isAsyncIterable(result)) return;
      if (!request.headers.get('accept')?.includes(EVENT_STREAM)) return;
      setResultProcessor(
        (stream, fetchAPI) => sseResponse(stream as AsyncIterable<unknown>, fetchAPI),
        EVENT_STREAM,
      );
    },
  };
}

function sseResponse(
  stream: AsyncIterable<unknown>,
  fetchAPI: { ReadableStream: typeof ReadableStream; Response: typeof Response },
): Response {
  const encoder = new TextEncoder();
  const iterator = stream[Symbol.asyncIterator]();
  let ping: ReturnType<typeof setInterval> | undefined;
  const body = new fetchAPI.ReadableStream<Uint8Array>({
    start(controller) {
      // Some clients see no headers until the first bytes: send a comment at once.
      controller.enqueue(encoder.encode(':\n\n'));
      ping = setInterval(() => {
        if (controller.desiredSize === null) clearInterval(ping);
        else if (controller.desiredSize > 0) controller.enqueue(encoder.encode(':\n\n'));
      }, PING_MS);
    },
    async pull(controller) {
      try {
        const { done, value } = await iterator.next();
        if (isFrameBatch(value)) {
          // Each event's bytes are encoded once for its whole group, then joined per subscriber.
          const chunks = value.frames.map(
            (f) => (f.sse ??= encoder.encode(`event: next\ndata: ${f.json}\n\n`)),
          );
          controller.enqueue(chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks));
        } else if (value != null)
          controller.enqueue(
            encoder.encode(`event: next\ndata: ${stringifyResult(value as ExecutionResult)}\n\n`),
          );
        if (done) controller.enqueue(encoder.encode('event: complete\ndata:\n\n'));
        if (done) {
          clearInterval(ping);
          controller.close();
        }
      } catch (err) {
        clearInterval(ping);
        controller.error(err);
      }
    },
    async cancel() {
      clearInterval(ping);
      await iterator.return?.();
    },
  });
  return new fetchAPI.Response(body, {
    status: 200,
    headers: {
      'Content-Type': EVENT_STREAM,
      Connection: 'keep-alive',
      'Cache-Control': 'no-cache',
      'Content-Encoding': 'none',
    },
  });
}

/** A result as yoga writes it: errors without their internal extensions (`http`, `unexpected`). */
function stringifyResult(result: ExecutionResult): string {
  if (!result.errors?.length && !result.extensions?.http) return JSON.stringify(result);
  const { http: _http, ...extensions } = (result.extensions ?? {}) as Record<string, unknown>;
  return JSON.stringify({
    ...result,
    errors: result.errors?.map((error) => {
      const json =
        error instanceof GraphQLError ? error.toJSON() : { message: String((error as Error).message) };
      const { http: _h, unexpected: _u, ...rest } = (json.extensions ?? {}) as Record<string, unknown>;
      return { ...json, extensions: Object.keys(rest).length > 0 ? rest : undefined };
    }),
    extensions: Object.keys(extensions).length > 0 ? extensions : undefined,
  });
}
