import { SourceError } from '../connector.ts';
import { fullJitterDelay, sleep } from './backoff.ts';
import type { CircuitBreaker } from './circuit-breaker.ts';
import type { RequestBudget } from './request-budget.ts';
import { retryAfterMs } from './retry-after.ts';

/**
 * The one HTTP client every connector uses: budget first, then the request with a timeout;
 * 429 honoured (Retry-After or the body's hint, else backoff); 5xx, network errors, timeouts
 * and unreadable bodies retried with full-jitter backoff on idempotent requests; a 401 gets
 * one fresh token; a circuit breaker per connection. Errors are SourceErrors whose messages
 * carry the source, method, endpoint pattern and status — never a body (bodies may hold PHI).
 */
export type HttpClientDeps = {
  readonly source: string;
  readonly fetch: typeof fetch;
  readonly now: () => number;
  readonly random: () => number;
  readonly budget: RequestBudget;
  readonly breaker: CircuitBreaker;
  /** The Authorization header value; `fresh` after a 401 asks for a new token. */
  readonly authorize?: (fresh: boolean) => Promise<string>;
  /** Reports an error envelope inside a 2xx JSON body (its code, no PHI); undefined when fine. */
  readonly errorEnvelope?: (body: unknown) => string | undefined;
  /** The source's code-shaped error code in a 4xx body (Epic OperationOutcome codes), if any. */
  readonly errorCode?: (body: unknown) => string | undefined;
  readonly retry?: Partial<RetryPolicy>;
  readonly onRequest?: (info: { endpoint: string; status: number | 'network' }) => void;
};

export type RetryPolicy = {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
  /** A budget or 429 wait longer than this fails the request (rate_limited) instead of blocking. */
  maxWaitMs: number;
};

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  timeoutMs: 30_000,
  maxWaitMs: 65_000,
};

export type HttpRequest = {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  /** The path pattern for budgets and messages, e.g. `GET /api/patients` (no ids, no query). */
  readonly endpoint: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** GETs are; a POST that creates is not (a retry could duplicate the record). */
  readonly idempotent?: boolean;
  /** `json` (default): parse and check the body; `text`: return it raw; `none`: ignore it. */
  readonly expect?: 'json' | 'text' | 'none';
  /** Checks the parsed 2xx body's shape (e.g. a list envelope); answers what is wrong, or undefined. */
  readonly check?: (body: unknown) => string | undefined;
  readonly signal?: AbortSignal;
};

export type HttpResponse = { status: number; headers: Headers; body: unknown };

export type HttpClient = {
  send(request: HttpRequest): Promise<HttpResponse>;
  lastError(): { at: string; code: string; message: string } | undefined;
};

export function createHttpClient(deps: HttpClientDeps): HttpClient {
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...deps.retry };
  let lastError: { at: string; code: string; message: string } | undefined;

  const fail = (error: SourceError): never => {
    lastError = { at: new Date(deps.now()).toISOString(), code: error.code, message: error.message };
    throw error;
  };

  /** Waits for a slot; answers when it was taken (to settle it once the answer arrives). */
  async function waitForBudget(request: HttpRequest): Promise<number> {
    for (;;) {
      const shared = (await deps.budget.prepare?.(request.endpoint)) ?? 0;
      const takenAt = deps.now();
      const wait = shared > 0 ? shared : deps.budget.tryTake(request.endpoint, takenAt);
      if (wait === 0) return takenAt;
      if (wait > policy.maxWaitMs)
        fail(
          new SourceError('rate_limited', `${deps.source} request budget exhausted for ${request.endpoint}`, {
            retryAfterMs: wait,
          }),
        );
      await sleep(wait, request.signal);
    }
  }

  return {
    lastError: () => lastError,
    async send(request) {
      const idempotent = request.idempotent ?? request.method === 'GET';
      const label = `${deps.source} ${request.endpoint}`;
      let refreshedAuth = false;
      let attempt = 0;
      for (;;) {
        attempt++;
        const blocked = deps.breaker.blockedFor();
        if (blocked !== undefined)
          fail(
            new SourceError('unavailable', `${label}: circuit open after repeated failures`, {
              retryAfterMs: blocked,
            }),
          );
        const takenAt = await waitForBudget(request);
        const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
        if (deps.authorize) headers.authorization = await deps.authorize(refreshedAuth);
        const timeout = AbortSignal.timeout(policy.timeoutMs);
        const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
        let response: Response;
        let text: string;
        try {
          response = await deps.fetch(request.url, {
            method: request.method,
            headers,
            ...(request.body !== undefined ? { body: request.body } : {}),
            redirect: 'manual',
            signal,
          });
          text = await response.text();
          deps.budget.settle(request.endpoint, takenAt);
        } catch (err) {
          deps.budget.settle(request.endpoint, takenAt);
          if (request.signal?.aborted) throw request.signal.reason;
          deps.onRequest?.({ endpoint: request.endpoint, status: 'network' });
          deps.breaker.failure();
          const error = new SourceError('unavailable', `${label}: network error or timeout`, {
            cause: errName(err),
          });
          if (idempotent && attempt < policy.maxAttempts) {
            await sleep(
              fullJitterDelay(attempt, policy.baseDelayMs, policy.maxDelayMs, deps.random),
              request.signal,
            );
            continue;
          }
          return fail(error);
        }
        deps.onRequest?.({ endpoint: request.endpoint, status: response.status });
        const status = response.status;

        if (status === 429) {
          // The source is healthy, only busy: not a breaker failure.
          const hinted = retryAfterMs(response.headers, text, deps.now());
          const wait = hinted ?? fullJitterDelay(attempt, policy.baseDelayMs, policy.maxDelayMs, deps.random);
          deps.budget.pause(wait);
          const error = new SourceError('rate_limited', `${label} answered 429`, {
            status,
            retryAfterMs: wait,
          });
          if (attempt < policy.maxAttempts && wait <= policy.maxWaitMs) {
            await sleep(wait, request.signal);
            continue;
          }
          return fail(error);
        }
        if (status === 401 && deps.authorize && !refreshedAuth) {
          refreshedAuth = true;
          attempt--;
          continue;
        }
        if (status >= 500 || status === 408) {
          deps.breaker.failure();
          const error = new SourceError('unavailable', `${label} answered ${status}`, { status });
          if (idempotent && attempt < policy.maxAttempts) {
            await sleep(
              fullJitterDelay(attempt, policy.baseDelayMs, policy.maxDelayMs, deps.random),
              request.signal,
            );
            continue;
          }
          return fail(error);
        }
        if (status >= 400) {
          // A definite answer from a working source.
          deps.breaker.success();
          const sourceCode = safeCode(deps.errorCode?.(tryJson(text)));
          return fail(
            new SourceError(
              codeFor(status),
              `${label} answered ${status}${sourceCode ? ` (${sourceCode})` : ''}`,
              {
                status,
                ...(sourceCode ? { sourceCode } : {}),
              },
            ),
          );
        }
        if (status >= 300) {
          deps.breaker.success();
          return { status, headers: response.headers, body: undefined };
        }

        let parsed = parseBody(request.expect ?? 'json', response, text, deps.errorEnvelope);
        if (typeof parsed !== 'string' && request.check) parsed = request.check(parsed.body) ?? parsed;
        if (typeof parsed === 'string') {
          deps.breaker.failure();
          const error = new SourceError('bad_response', `${label} answered ${status} with ${parsed}`, {
            status,
          });
          if (idempotent && attempt < policy.maxAttempts) {
            await sleep(
              fullJitterDelay(attempt, policy.baseDelayMs, policy.maxDelayMs, deps.random),
              request.signal,
            );
            continue;
          }
          return fail(error);
        }
        deps.breaker.success();
        return { status, headers: response.headers, body: parsed.body };
      }
    },
  };
}

function codeFor(status: number): SourceError['code'] {
  if (status === 401) return 'needs_reauth';
  if (status === 403) return 'forbidden';
  if (status === 404 || status === 410) return 'not_found';
  if (status === 409) return 'conflict';
  return 'rejected';
}

/** The body, or a PHI-free description of what is wrong with it. */
function parseBody(
  expect: 'json' | 'text' | 'none',
  response: Response,
  text: string,
  errorEnvelope: ((body: unknown) => string | undefined) | undefined,
): { body: unknown } | string {
  if (expect === 'none') return { body: undefined };
  if (expect === 'text') return { body: text };
  if (text.length === 0) return response.status === 204 ? { body: undefined } : 'an empty body';
  const type = response.headers.get('content-type') ?? '';
  if (/html/i.test(type) || /^\s*</.test(text)) return 'an HTML page instead of JSON';
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'a truncated or malformed JSON body';
  }
  const envelope = errorEnvelope?.(body);
  // Only a code-shaped value is echoed: an envelope's message may quote PHI.
  if (envelope !== undefined) return `an error envelope (${safeCode(envelope) ?? 'unspecified'})`;
  return { body };
}

function errName(err: unknown): string {
  return err instanceof Error ? err.name : 'unknown';
}

/** A value fit to appear in a message: code-shaped, short; anything else is dropped. */
function safeCode(value: string | undefined): string | undefined {
  return value !== undefined && /^[A-Za-z0-9_.:-]{1,40}$/.test(value) ? value : undefined;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
