import type { Logger } from 'pino';
import type { SourceSystem } from '../fhir/identity.ts';
import type { Store } from '../store/port.ts';
import {
  type ConnectorDeps,
  createSharedConnectorState,
  type SharedConnectorState,
} from './common/connector-deps.ts';
import type { RetryPolicy } from './common/http-client.ts';
import type { Connector } from './connector.ts';
import { createDrChronoConnector } from './drchrono/connector.ts';
import { createEpicConnector } from './epic/connector.ts';
import { createJaneConnector } from './jane/connector.ts';

export type ConnectorOptions = {
  store: Store;
  log: Logger;
  fetch?: typeof fetch;
  now?: () => number;
  random?: () => number;
  /** Pass one in to share budgets and refreshes between several registries (rarely needed). */
  shared?: SharedConnectorState;
  retry?: Partial<RetryPolicy>;
  pageSize?: number;
  /** `off` only for benchmarks against simulators with their limits off. */
  limits?: 'source' | 'off';
  /** Lower budget limits by window name (tests). */
  budgetLimits?: Readonly<Record<string, number>>;
};

/** One connector per source, all sharing the deps (store, fetch, clock, budgets, refreshes). */
export function createConnectors(options: ConnectorOptions): Record<SourceSystem, Connector> {
  const deps: ConnectorDeps = {
    store: options.store,
    log: options.log,
    fetch: options.fetch ?? globalThis.fetch,
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
    shared: options.shared ?? createSharedConnectorState(),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.budgetLimits ? { budgetLimits: options.budgetLimits } : {}),
  };
  return {
    jane: createJaneConnector(deps),
    drchrono: createDrChronoConnector(deps),
    epic: createEpicConnector(deps),
  };
}
