import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { type ExecutionArgs, GraphQLError, type GraphQLSchema } from 'graphql';
import { createGraphQLError, createYoga, type Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { AuthError } from '../auth/auth-error.ts';
import type { Caller } from '../auth/scopes.ts';
import { gatewayError } from './graphql-errors.ts';
import { DEFAULT_GRAPHQL_LIMITS, type GraphQLLimits } from './graphql-limits.ts';
import { createWebSocketTransport } from './graphql-ws-transport.ts';
import { scopesNeeded } from './operation-scopes.ts';
import { measureOperation } from './query-budget.ts';
import { useBatchedSse } from './sse-transport.ts';

export type ExampleQuery = { name: string; query: string };

export type GraphQLServerDeps<TContext extends object> = {
  schema: GraphQLSchema;
  /** The per-request context (loaders, store access) for an authenticated caller. */
  createContext(input: { caller: Caller; request: Request }): TContext | Promise<TContext>;
  /** Turns the `Authorization` header into a Caller, or throws an AuthError. */
  authenticate(authorization: string | null): Promise<Caller>;
  log: Pick<Logger, 'error' | 'warn' | 'info' | 'debug'>;
  /**
   * Demo mode: GraphiQL is open without a key and opens with this one in its headers and the
   * example queries in its tabs. Outside demo mode GraphiQL renders only for a request that
   * carries a valid key, and every operation (introspection included) needs one.
   */
  demo?: { apiKey: string; examples: readonly ExampleQuery[] } | undefined;
  /** Root fields that need the `admin` scope (any operation type). */
  adminFields?: ReadonlySet<string>;
  limits?: Partial<GraphQLLimits>;
  /** Schema-specific yoga plugins (the FHIR GraphQL conventions), run after auth and limits. */
  plugins?: readonly Plugin[];
};

export type GraphQLServer = {
  /** True for the paths this server answers: `/graphql`, `/$graphql`, `/[Type]/[id]/$graphql`. */
  matches(pathname: string): boolean;
  /** node:http listener for those paths. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** In-process fetch, for unit tests. */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** node:http `upgrade` listener: GraphQL over WebSocket (graphql-ws protocol) on `/graphql`. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes the WebSocket connections (subscriptions end). */
  close(): Promise<void>;
};

export const GRAPHQL_PATH = '/graphql';
const CSRF_HEADER = 'x-graphql-yoga-csrf';
const CSRF_PLUGIN_MESSAGE = 'Required CSRF header(s) not present';
const CSRF_MESSAGE =
  `a request a browser can send without a preflight (GET, or a form POST) must carry the \`${CSRF_HEADER}\` ` +
  'header; or POST with `content-type: application/json`';
/** The FHIR GraphQL page's system-level (`[base]/$graphql`) and instance-level endpoints. */
const SYSTEM_PATH = '/$graphql';
const INSTANCE_PATH = /^\/[A-Z][A-Za-z]{0,63}\/[^/]+\/\$graphql$/;

/**
 * The GraphQL HTTP server: graphql-yoga with, in order, CSRF prevention, API-key auth (before
 * anything is parsed, so an anonymous caller learns nothing of the schema), token/alias/depth/
 * directive limits at parse and validation, scope and cost/`_count` checks before execution,
 * masked internal errors, and an OperationOutcome on every error. It serves whatever schema
 * and context factory it is given.
 */
export function createGraphQLServer<TContext extends object>(
  deps: GraphQLServerDeps<TContext>,
): GraphQLServer {
  const limits = { ...DEFAULT_GRAPHQL_LIMITS, ...deps.limits };
  const adminFields = deps.adminFields ?? new Set<string>();
  const callers = new WeakMap<Request, Caller>();

  const authenticated = async (request: Request): Promise<Caller | AuthError> => {
    try {
      return await deps.authenticate(request.headers.get('authorization'));
    } catch (err) {
      if (err instanceof AuthError) return err;
      throw err;
    }
  };

  const authPlugin: Plugin = {
    async onRequest({ request, endResponse, fetchAPI }) {
      const caller = await authenticated(request);
      if (caller instanceof AuthError) {
        deps.log.info({ failure: caller.failure }, 'graphql request refused: no valid API key');
        const error = gatewayError(caller.message, 'UNAUTHENTICATED');
        endResponse(
          new fetchAPI.Response(JSON.stringify({ errors: [error.toJSON()] }), {
            status: 401,
            headers: {
              'content-type': 'application/json; charset=utf-8',
              'www-authenticate': `Bearer realm="fhir-gateway", error="invalid_token"`,
            },
          }),
        );
        return;
      }
      callers.set(request, caller);
    },
  };

  /** Scope and budget checks: they need the variables, so they run at execute, before any resolver. */
  const preExecutionChecks = (args: ExecutionArgs, request: Request): GraphQLError[] => {
    const caller = callers.get(request);
    if (!caller) return [gatewayError('no authenticated caller', 'UNAUTHENTICATED', { status: 401 })];
    const missing = [...scopesNeeded(args.document, args.operationName, adminFields)].filter(
      (s) => !caller.scopes.has(s),
    );
    if (missing.length > 0) {
      return [
        gatewayError(
          `this API key lacks the scope(s) this operation needs: ${missing.join(', ')}`,
          'FORBIDDEN',
          {
            status: 403,
          },
        ),
      ];
    }
    const measure = measureOperation(
      args.schema,
      args.document,
      args.operationName,
      args.variableValues as Record<string, unknown> | undefined,
      limits,
    );
    return measure.errors;
  };

  const checksPlugin: Plugin<{ request: Request }> = {
    onExecute({ args, setResultAndStopExecution }) {
      const errors = preExecutionChecks(args, args.contextValue.request);
      if (errors.length > 0) setResultAndStopExecution({ errors });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const errors = preExecutionChecks(args, args.contextValue.request);
      if (errors.length > 0) setResultAndStopExecution({ errors });
    },
    onResultProcess({ result, setResult }) {
      // yoga's CSRF plugin says only "Required CSRF header(s) not present": say which and why.
      if (Array.isArray(result) || !('errors' in result)) return;
      if (result.errors?.[0]?.message !== CSRF_PLUGIN_MESSAGE) return;
      setResult({ errors: [gatewayError(CSRF_MESSAGE, 'CSRF_PREVENTED', { status: 403 })] });
    },
  };

  const yogaAt = (graphqlEndpoint: string, graphiql: boolean) =>
    createYoga<Record<string, never>, TContext>({
      schema: deps.schema,
      graphqlEndpoint,
      landingPage: false,
      maxRequestBodySize: limits.maxBodyBytes,
      batching: false,
      logging: false,
      renderGraphiQL,
      graphiql: async (request) => {
        if (!graphiql) return false;
        if (deps.demo) {
          const headers = JSON.stringify({ Authorization: `Bearer ${deps.demo.apiKey}` });
          return {
            title: 'FHIR gateway — demo (synthetic data)',
            defaultTabs: deps.demo.examples.map((e) => ({ query: e.query, headers })),
            headers,
            shouldPersistHeaders: false,
          };
        }
        const caller = await authenticated(request);
        return caller instanceof AuthError ? false : { title: 'FHIR gateway' };
      },
      context: ({ request }) => {
        const caller = callers.get(request);
        if (!caller) throw gatewayError('no authenticated caller', 'UNAUTHENTICATED', { status: 401 });
        return deps.createContext({ caller, request });
      },
      maskedErrors: {
        isDev: false,
        maskError(error: unknown, message: string): Error {
          const original = error instanceof GraphQLError ? error.originalError : error;
          const at = error instanceof GraphQLError ? error : undefined;
          if (original instanceof AuthError) {
            return createGraphQLError(original.message, {
              nodes: at?.nodes ?? null,
              path: at?.path ?? null,
              extensions: { code: original.status === 403 ? 'FORBIDDEN' : 'UNAUTHENTICATED' },
            });
          }
          if (error instanceof GraphQLError && (!original || original instanceof GraphQLError)) return error;
          // Names and codes only: an internal error's message may quote data.
          deps.log.error(
            {
              // `errorType`, not `err.name`: the logger redacts every `*.name` as possible PHI.
              error: {
                errorType: (original as Error | undefined)?.name,
                code: (original as { code?: unknown })?.code,
              },
              path: at?.path,
            },
            'graphql resolver failed (masked)',
          );
          return createGraphQLError(message, {
            nodes: at?.nodes ?? null,
            path: at?.path ?? null,
            extensions: { code: 'INTERNAL_SERVER_ERROR' },
          });
        },
      },
      plugins: [
        useCSRFPrevention({ requestHeaders: [CSRF_HEADER] }),
        authPlugin,
        EnvelopArmorPlugin({
          maxTokens: { n: limits.maxTokens },
          maxAliases: { n: limits.maxAliases, allowList: [] },
          maxDepth: { n: limits.maxDepth, ignoreIntrospection: true },
          maxDirectives: { n: limits.maxDirectives },
          // The cost budget is ours (query-budget.ts): it knows page sizes, armor's does not.
          costLimit: { enabled: false },
          blockFieldSuggestion: { enabled: false },
        }),
        checksPlugin as Plugin,
        useBatchedSse(),
        ...(deps.plugins ?? []),
      ],
    });
  const main = yogaAt(GRAPHQL_PATH, true);
  const system = yogaAt('/\\$graphql', false);
  const instance = yogaAt('/:type/:id/\\$graphql', false);
  const websocket = createWebSocketTransport({
    yoga: main as never,
    authenticate: deps.authenticate,
    bindCaller: (request, caller) => callers.set(request, caller),
    log: deps.log,
  });
  const pick = (pathname: string) =>
    pathname === SYSTEM_PATH ? system : INSTANCE_PATH.test(pathname) ? instance : main;

  return {
    matches: (pathname) =>
      pathname === GRAPHQL_PATH || pathname === SYSTEM_PATH || INSTANCE_PATH.test(pathname),
    handle(req, res) {
      const pathname = new URL(req.url ?? '/', 'http://gateway').pathname;
      void pick(pathname).requestListener(req, res);
    },
    fetch(input, init) {
      const request = new Request(input, init);
      return Promise.resolve(pick(new URL(request.url).pathname).fetch(request));
    },
    upgrade(req, socket, head) {
      if (new URL(req.url ?? '/', 'http://gateway').pathname !== GRAPHQL_PATH) {
        socket.destroy();
        return;
      }
      websocket.upgrade(req, socket, head);
    },
    close: () => websocket.close(),
  };
}
