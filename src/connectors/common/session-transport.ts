import type { SourceSystem } from '../../fhir/identity.ts';
import type { Connection } from '../../store/port.ts';
import { type ConnectorStatus, SourceError } from '../connector.ts';
import { createCircuitBreaker } from './circuit-breaker.ts';
import { connectionState } from './connection-state.ts';
import { budgetWindows, type ConnectorDeps, shared } from './connector-deps.ts';
import { createHttpClient, type HttpClient, type HttpClientDeps } from './http-client.ts';
import { type BudgetWindow, createRequestBudget } from './request-budget.ts';
import { createSharedBudget } from './shared-budget.ts';

/** What a source's session talks through: its HTTP client, the re-authorization gate and its status. */
export type SessionTransport = {
  readonly http: HttpClient;
  /**
   * Runs a request unless the connection needs re-authorization; a `needs_reauth` failure closes
   * the gate, so no further request (and no retry storm) reaches the source until it is re-connected.
   */
  track<T>(work: () => Promise<T>): Promise<T>;
  status(): ConnectorStatus;
  /** Re-reads the budget's figures shared through the store. */
  refreshStatus(): Promise<void>;
};

export type SessionTransportOptions = {
  readonly source: SourceSystem;
  readonly connection: Connection;
  /** Who shares the request budget: the clinic (Jane), the API application (DrChrono), the connection (Epic). */
  readonly budgetKey: string;
  readonly budget: readonly BudgetWindow[];
  readonly tokens: { accessToken(fresh: boolean): Promise<string> };
  readonly errors?: Pick<HttpClientDeps, 'errorEnvelope' | 'errorCode'>;
};

/** The budget, breaker, HTTP client and re-authorization gate every source's session is built on. */
export function createSessionTransport(
  deps: ConnectorDeps,
  options: SessionTransportOptions,
): SessionTransport {
  const { source, connection, tokens } = options;
  // The long windows' use lives in the store, so a process taking the connection over starts
  // from what the previous holder spent (shared-budget.ts).
  const budget = shared(deps.shared.budgets, options.budgetKey, () => {
    const windows = budgetWindows(deps, options.budget);
    return createSharedBudget(createRequestBudget(windows, deps.now), {
      store: deps.store.budgets,
      budgetKey: options.budgetKey,
      windows,
      now: deps.now,
    });
  });
  const breaker = shared(deps.shared.breakers, `${source}:${connection.tenant}/${connection.id}`, () =>
    createCircuitBreaker({ threshold: 5, cooldownMs: 30_000, now: deps.now }),
  );
  const http = createHttpClient({
    source,
    fetch: deps.fetch,
    now: deps.now,
    random: deps.random,
    budget,
    breaker,
    ...(deps.retry ? { retry: deps.retry } : {}),
    authorize: async (fresh) => `Bearer ${await tokens.accessToken(fresh)}`,
    ...options.errors,
  });
  let needsReauth = connectionState(connection) === 'needs_reauth';
  return {
    http,
    async track(work) {
      if (needsReauth) throw new SourceError('needs_reauth', `${source} connection needs re-authorization`);
      try {
        return await work();
      } catch (err) {
        if (err instanceof SourceError && err.code === 'needs_reauth') needsReauth = true;
        throw err;
      }
    },
    async refreshStatus() {
      await budget.refresh?.();
    },
    status() {
      const lastError = http.lastError();
      // Re-authorization first, then an open breaker, then a 429 pause: the most actionable state wins.
      return {
        state: needsReauth
          ? 'needs_reauth'
          : breaker.state() === 'open'
            ? 'circuit_open'
            : budget.pausedFor() > 0
              ? 'backing_off'
              : 'active',
        requestsUsed: budget.usage(),
        ...(lastError ? { lastError } : {}),
      };
    },
  };
}
