import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ExecutionArgs, GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { AuthError } from '../auth/auth-error.ts';
import type { Caller } from '../auth/scopes.ts';

export type WebSocketTransport = {
  /** node:http `upgrade` listener for the GraphQL path. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): Promise<void>;
};

type Enveloped = ReturnType<YogaServerInstance<Record<string, never>, object>['getEnveloped']>;

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
      onSubscribe: async (ctx, _id, payload) => {
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
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
        } satisfies ExecutionArgs;
      },
      execute: (args) => (args.rootValue as { execute: Enveloped['execute'] }).execute(args) as never,
      subscribe: (args) => (args.rootValue as { subscribe: Enveloped['subscribe'] }).subscribe(args) as never,
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
