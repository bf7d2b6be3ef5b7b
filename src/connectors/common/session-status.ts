import type { ConnectorStatus } from '../connector.ts';
import type { CircuitBreaker } from './circuit-breaker.ts';
import type { HttpClient } from './http-client.ts';
import type { RequestBudget } from './request-budget.ts';

/**
 * A session's status for the operations view, the same rule for every source: a connection
 * that needs re-authorization says so first, then an open breaker, then a 429 pause.
 */
export function sessionStatus(parts: {
  readonly needsReauth: boolean;
  readonly breaker: Pick<CircuitBreaker, 'state'>;
  readonly budget: Pick<RequestBudget, 'pausedFor' | 'usage'>;
  readonly http: Pick<HttpClient, 'lastError'>;
}): ConnectorStatus {
  const lastError = parts.http.lastError();
  return {
    state: parts.needsReauth
      ? 'needs_reauth'
      : parts.breaker.state() === 'open'
        ? 'circuit_open'
        : parts.budget.pausedFor() > 0
          ? 'backing_off'
          : 'active',
    requestsUsed: parts.budget.usage(),
    ...(lastError ? { lastError } : {}),
  };
}
