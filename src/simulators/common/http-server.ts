import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestCounters } from './counters.ts';
import type { FaultInjector, FaultSettings } from './faults.ts';

/** What a route handler sees of a request. */
export type SimRequest = {
  method: string;
  url: URL;
  params: Record<string, string>;
  headers: IncomingMessage['headers'];
  /** Raw body text ('' when none). */
  rawBody: string;
  /** Parsed body: JSON object/array, or form fields as a record; undefined when empty. */
  body: unknown;
  /** The base URL clients used to reach this server, e.g. `http://127.0.0.1:4010`. */
  baseUrl: string;
};

export type SimResponse = {
  status: number;
  headers?: Record<string, string>;
  /** Objects/arrays are sent as JSON, strings as-is (set content-type for HTML/NDJSON). */
  body?: unknown;
};

export type SimHandler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

type Route = { method: string; pattern: string; regex: RegExp; keys: string[]; handler: SimHandler };

/** Path patterns use `:name` segments, and a trailing `*` matches the rest of the path. */
export type Router = {
  add(method: string, pattern: string, handler: SimHandler): Router;
  match(
    method: string,
    path: string,
  ): { route: Route; params: Record<string, string> } | { allowed: string[] } | undefined;
};

export function createRouter(): Router {
  const routes: Route[] = [];
  const router: Router = {
    add(method, pattern, handler) {
      const keys: string[] = [];
      const source = pattern
        .split('/')
        .map((segment) => {
          if (segment === '*') {
            keys.push('rest');
            return '(.*)';
          }
          if (segment.startsWith(':')) {
            keys.push(segment.slice(1));
            return '([^/]+)';
          }
          return segment.replace(/[.*+?^${}()|[\]\\$]/g, '\\$&');
        })
        .join('/');
      routes.push({ method: method.toUpperCase(), pattern, regex: new RegExp(`^${source}$`), keys, handler });
      return router;
    },
    match(method, path) {
      const allowed: string[] = [];
      for (const route of routes) {
        const m = route.regex.exec(path);
        if (!m) continue;
        if (route.method !== method.toUpperCase()) {
          allowed.push(route.method);
          continue;
        }
        const params: Record<string, string> = {};
        route.keys.forEach((key, i) => {
          params[key] = decodeURIComponent(m[i + 1] ?? '');
        });
        return { route, params };
      }
      return allowed.length ? { allowed } : undefined;
    },
  };
  return router;
}

export type SimServerOptions = {
  router: Router;
  counters: RequestCounters;
  faults: FaultInjector;
  /** Source-shaped answers for injected faults and unknown routes. */
  errors: {
    rateLimited(withRetryAfter: boolean): SimResponse;
    serverError(): SimResponse;
    notFound(): SimResponse;
  };
  /** Paths under this prefix skip fault injection and counting (admin, consent pages...). */
  unfaultedPrefixes?: string[];
  maxBodyBytes?: number;
};

export type RunningServer = { url: string; port: number; server: Server; close(): Promise<void> };

/** Starts a simulator on 127.0.0.1 (port 0 = any free port). */
export async function listen(options: SimServerOptions, port = 0): Promise<RunningServer> {
  const server = createServer((req, res) => {
    handle(options, req, res).catch((err: unknown) => {
      if (!res.headersSent)
        send(res, { status: 500, body: { error: 'simulator failure', detail: String(err) } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(options: SimServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const host = req.headers.host ?? '127.0.0.1';
  const url = new URL(req.url ?? '/', `http://${host}`);
  const method = (req.method ?? 'GET').toUpperCase();
  const matched = options.router.match(method, url.pathname);
  const routeKey =
    matched && 'route' in matched ? `${method} ${matched.route.pattern}` : `${method} (unmatched)`;
  const unfaulted = (options.unfaultedPrefixes ?? []).some((p) => url.pathname.startsWith(p));

  const rawBody = await readBody(req, options.maxBodyBytes ?? 10 * 1024 * 1024);
  if (rawBody === undefined) {
    return finish({ status: 413, body: { error: 'request body too large' } });
  }

  if (!unfaulted) {
    const f: FaultSettings = options.faults.settings();
    if (options.faults.roll('droppedConnection')) {
      options.counters.record(routeKey, 0);
      req.socket.destroy();
      return;
    }
    if (options.faults.roll('timeout')) {
      options.counters.record(routeKey, 0);
      setTimeout(() => req.socket.destroy(), f.timeoutMs).unref();
      return;
    }
    if (options.faults.roll('rateLimited')) {
      return finish(options.errors.rateLimited(!options.faults.roll('rateLimitedWithoutRetryAfter')));
    }
    if (options.faults.roll('serverError')) return finish(options.errors.serverError());
  }

  if (!matched) return finish(options.errors.notFound());
  if ('allowed' in matched) {
    return finish({
      status: 405,
      headers: { allow: matched.allowed.join(', ') },
      body: { detail: 'Method not allowed.' },
    });
  }

  let body: unknown;
  try {
    body = parseBody(rawBody, req.headers['content-type']);
  } catch {
    return finish({ status: 400, body: { error: 'malformed request body' } });
  }
  const response = await matched.route.handler({
    method,
    url,
    params: matched.params,
    headers: req.headers,
    rawBody,
    body,
    baseUrl: `http://${host}`,
  });
  if (!unfaulted && options.faults.roll('lostResponse')) {
    options.counters.record(routeKey, 0);
    req.socket.destroy();
    return;
  }
  return finish(response);

  function finish(response: SimResponse): void {
    if (!unfaulted) options.counters.record(routeKey, response.status);
    send(res, response);
  }
}

function send(res: ServerResponse, response: SimResponse): void {
  const headers: Record<string, string> = { ...(response.headers ?? {}) };
  let payload: string | undefined;
  if (response.body === undefined || response.body === null) {
    payload = undefined;
  } else if (typeof response.body === 'string') {
    payload = response.body;
    headers['content-type'] ??= 'text/plain; charset=utf-8';
  } else {
    payload = JSON.stringify(response.body);
    headers['content-type'] ??= 'application/json';
  }
  res.writeHead(response.status, headers);
  res.end(payload);
}

function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw === '') return undefined;
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(raw));
  if (type === 'application/json' || type?.endsWith('+json')) return JSON.parse(raw);
  return raw;
}

/** JSON answer helper. */
export const json = (status: number, body: unknown, headers?: Record<string, string>): SimResponse => ({
  status,
  body,
  ...(headers ? { headers } : {}),
});
