import type { Resource } from 'fhir/r4';
import type { ActionService } from '../actions/action-service.ts';
import type { SourceAccess } from '../actions/find/read-through.ts';
import type { Caller } from '../auth/scopes.ts';
import type { ChangeFeed } from '../events/change-feed.ts';
import type { FhirDefinitions } from '../fhir/definitions.ts';
import type { Store } from '../store/port.ts';
import { createLoaders, type Loaders } from './loaders.ts';

/** Per-request state: who asks, and the request's own DataLoaders (never shared between requests). */
export type GatewayContext = {
  readonly caller: Caller;
  readonly store: Store;
  readonly definitions: FhirDefinitions;
  readonly loaders: Loaders;
  /** Resources read by id in this request, to resolve their contained (`#id`) references against. */
  readonly roots: Resource[];
  /** The connectors and mappings, when this process has them (finds with `fresh: true`, the `actions` catalog). */
  readonly sources?: SourceAccess;
  /** The mutation machinery (src/actions); absent in a process that does not write to sources. */
  readonly actions?: ActionService;
  /** The process's change feed (subscriptions, replay, feed status); absent where none runs. */
  readonly feed?: ChangeFeed;
};

export type RequestContextDeps = {
  readonly store: Store;
  readonly caller: Caller;
  readonly definitions: FhirDefinitions;
  readonly sources?: SourceAccess;
  readonly actions?: ActionService;
};

export function createRequestContext(deps: RequestContextDeps): GatewayContext {
  return {
    caller: deps.caller,
    store: deps.store,
    definitions: deps.definitions,
    loaders: createLoaders(deps.store, deps.caller.tenant, deps.definitions),
    roots: [],
    ...(deps.sources ? { sources: deps.sources } : {}),
    ...(deps.actions ? { actions: deps.actions } : {}),
  };
}
