import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ExecutionArgs, GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { isAsyncIterable, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import { AuthError } from '../auth/auth-error.ts';
import type { Caller } from '../auth/scopes.ts';
import { type FrameBatch, isFrameBatch } from '../graphql/changes/frame-batch.ts';
import { withoutInputValues } from '../graphql/value-free-errors.ts';

export type WebSocketTransport = {
  /** node:http `upgrade` listener for the GraphQL path. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): Promise<void>;
};

type Enveloped = ReturnType<YogaServerInstance<Record<string, never>, object>['getEnveloped']>;
/** What onSubscribe hands to execute/subscribe: the request's enveloped functions and where to write. */
type Root = {
  execute: Enveloped['execute'];
  subscribe: Enveloped['subscribe'];
  socket: WebSocket;
  id: string;
};

/**
 * A subscription's results for graphql-ws, except the group-shared frames, which are written here
 * straight to the socket as `next` messages with this subscription's id spliced in (no
 * serialization per subscriber) and corked into one socket write per batch. Waiting for the last
 * write of a batch keeps graphql-ws's backpressure: a client that stops reading stops the pulls.
 */
function writingFrames(
  results: AsyncIterable<unknown>,
  socket: WebSocket,
  id: string,
): AsyncIterableIterator<unknown> {
  const source = results[Symbol.asyncIterator]();
  // Not an async generator: graphql-ws calls `return` when the client completes, and a generator
  // waiting for the next event would only see it after that event; this passes it on at once.
  const iterator: AsyncIterableIterator<unknown> = {
    async next() {
      for (;;) {
        const result = await source.next();
        if (result.done || !isFrameBatch(result.value)) return result;
        await sendFrames(socket, id, result.value);
      }
    },
    async return(value?: unknown) {
      await source.return?.(value);
      return { done: true, value };
    },
    async throw(error?: unknown) {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

function sendFrames(socket: WebSocket, id: string, batch: FrameBatch): Promise<void> {
  if (socket.readyState !== socket.OPEN || batch.frames.length === 0) return Promise.resolve();
  const head = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  // ws corks around each message; corking around the batch makes it one writev.
  const raw = (socket as unknown as { _socket?: Duplex })._socket;
  raw?.cork();
  try {
    const last = batch.frames.length - 1;
    for (let i = 0; i < last; i++) socket.send(`${head}${batch.frames[i]?.json}}`);
    return new Promise((resolve, reject) =>
      socket.send(`${head}${batch.frames[last]?.json}}`, (err) => (err ? reject(err) : resolve())),
    );
  } finally {
    raw?.uncork();
  }
}

/**
 * GraphQL over WebSocket (the graphql-ws protocol) through the same yoga instance, so limits,
 * scope checks, masking and the context factory are the ones HTTP requests get. The API key comes
 * in `connectionParams.authorization` (`Bearer fgw_…`, as the header): checked once per socket at
 * `connection_init`; a socket without a valid key is closed with 4403 before any operation runs.
 */
export function createWebSocketTransport(deps: {
  yoga: YogaServerInstance<Record<string, never>, object>;
  authenticate(authorization: string | null): Promise<Caller>;
  /** Makes the caller known to the yoga context factory for a synthetic request. */
  bindCaller(request: Request, caller: Caller): void;
  log: Pick<Logger, 'info' | 'debug'>;
}): WebSocketTransport {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  const callers = new WeakMap<object, Caller>();
  const disposable = useServer<Record<string, unknown> | undefined, { caller: Caller }>(
    {
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const given = params.authorization ?? params.Authorization;
        try {
          callers.set(ctx.extra, await deps.authenticate(typeof given === 'string' ? given : null));
          return true;
        } catch (err) {
          if (!(err instanceof AuthError)) throw err;
          deps.log.info({ failure: err.failure }, 'graphql-ws connection refused: no valid API key');
          return false;
        }
      },
      onSubscribe: async (ctx, id, payload) => {
        const caller = callers.get(ctx.extra);
        if (!caller)
          return [new GraphQLError('no authenticated caller', { extensions: { code: 'UNAUTHENTICATED' } })];
        const request = new Request('http://gateway/graphql', { method: 'POST' });
        deps.bindCaller(request, caller);
        const enveloped: Enveloped = deps.yoga.getEnveloped({ request, params: payload } as never);
        let document: ReturnType<Enveloped['parse']>;
        try {
          document = enveloped.parse(payload.query);
        } catch (err) {
          if (err instanceof GraphQLError) return [err];
          throw err;
        }
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return errors;
        return {
          schema: enveloped.schema,
          document,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
          contextValue: await enveloped.contextFactory(),
          rootValue: {
            execute: enveloped.execute,
            subscribe: enveloped.subscribe,
            socket: ctx.extra.socket,
            id,
          } satisfies Root,
        } satisfies ExecutionArgs;
      },
      // Validation and variable errors drop the input values graphql-js quotes (value-free-errors.ts).
      onError: (_ctx, _id, _payload, errors) => errors.map((error) => withoutInputValues(error).toJSON()),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors?.length
          ? { ...result, errors: result.errors.map((error) => withoutInputValues(error).toJSON()) }
          : undefined,
      execute: (args) => (args.rootValue as Root).execute(args) as never,
      subscribe: async (args) => {
        const root = args.rootValue as Root;
        const result = await root.subscribe(args);
        return (isAsyncIterable(result) ? writingFrames(result, root.socket, root.id) : result) as never;
      },
    },
    wss,
  );
  return {
    upgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    async close() {
      await disposable.dispose();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
