import type { Logger } from 'pino';
import type { Store } from '../../store/port.ts';
import type { CircuitBreaker } from './circuit-breaker.ts';
import type { RetryPolicy } from './http-client.ts';
import type { BudgetWindow, RequestBudget } from './request-budget.ts';

/**
 * What every connector is built from: passed in (no singletons). The shared maps make budgets,
 * breakers and in-flight token refreshes per connection (or per app) across all sessions the
 * connector opens, so two sessions of one connection share one budget and one refresh.
 */
export type ConnectorDeps = {
  readonly store: Store;
  readonly log: Logger;
  readonly fetch: typeof fetch;
  readonly now: () => number;
  readonly random: () => number;
  readonly shared: SharedConnectorState;
  /** Overrides of the HTTP retry policy (tests shorten waits). */
  readonly retry?: Partial<RetryPolicy>;
  /** Records asked per page, below each source's own maximum (tests use small pages to prove paging). */
  readonly pageSize?: number;
  /**
   * `source` (default): keep within each source's published limits. `off`: no request budget —
   * only for benchmarks against simulators started with their limits off.
   */
  readonly limits?: 'source' | 'off';
  /** Lower limits by window name (e.g. `app-hour`): tests reach a window's end with a few requests. */
  readonly budgetLimits?: Readonly<Record<string, number>>;
};

/** The budget windows to enforce: the source's (lowered where configured), or none when limits are off (benchmarks). */
export function budgetWindows(
  deps: Pick<ConnectorDeps, 'limits' | 'budgetLimits'>,
  windows: readonly BudgetWindow[],
): readonly BudgetWindow[] {
  if (deps.limits === 'off') return [];
  const lower = deps.budgetLimits ?? {};
  return windows.map((w) => {
    const limit = lower[w.name];
    return limit !== undefined && limit > 0 && limit < w.limit ? { ...w, limit } : w;
  });
}

/** The page size to ask for: the source's default unless a smaller one is configured. */
export function pageSizeFor(deps: Pick<ConnectorDeps, 'pageSize'>, sourceDefault: number): number {
  return deps.pageSize !== undefined && deps.pageSize > 0
    ? Math.min(deps.pageSize, sourceDefault)
    : sourceDefault;
}

export type SharedConnectorState = {
  readonly budgets: Map<string, RequestBudget>;
  readonly breakers: Map<string, CircuitBreaker>;
  readonly refreshes: Map<string, Promise<string>>;
  /** Access tokens kept in memory only (Epic backend tokens: re-obtained with a new assertion). */
  readonly tokens: Map<string, { token: string; expiresAt: number }>;
};

export function createSharedConnectorState(): SharedConnectorState {
  return { budgets: new Map(), breakers: new Map(), refreshes: new Map(), tokens: new Map() };
}

/** The value under `key`, created once. */
export function shared<T>(map: Map<string, T>, key: string, create: () => T): T {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}
