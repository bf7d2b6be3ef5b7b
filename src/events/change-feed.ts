import type { Resource } from 'fhir/r4';
import type { Logger } from 'pino';
import type { TriggerDefinition } from '../connectors/connector.ts';
import type { SourceSystem } from '../fhir/identity.ts';
import type { Change, Store } from '../store/port.ts';
import type { ConnectionOperations } from '../sync/operations-view.ts';
import { DEFAULT_CADENCE } from '../sync/sync-engine.ts';
import { type FeedEvent, type FeedSubscription, openSubscription } from './change-subscription.ts';
import type { ChangeTailer } from './change-tailer.ts';
import { cronWorstGapSeconds } from './cron-gap.ts';
import type { EventCursors } from './event-cursors.ts';
import {
  compileEventFilter,
  criteriaHolds,
  type EventFilter,
  type EventFilterInput,
} from './event-filter.ts';
import { triggerFieldName } from './trigger-catalog.ts';

export type FeedStatus = {
  readonly highWaterMark: string;
  /** The oldest cursor still accepted: resuming from anything older answers CURSOR_EXPIRED. */
  readonly oldestRetained: string;
  readonly connections: ReadonlyArray<{
    readonly connection: string;
    readonly source: string;
    readonly state: string;
    /** Seconds since the stalest row's last complete poll; undefined while a row never completed one. */
    readonly lagSeconds: number | undefined;
    readonly backfilling: boolean;
    readonly lastError: { readonly at: string; readonly code: string; readonly message: string } | undefined;
  }>;
};

export type TriggerInfo = {
  readonly id: string;
  readonly source: string;
  readonly seedName: string;
  readonly resourceType: string;
  /** Sibling types of the same record whose change also fires it (Jane treatment price: ChargeItemDefinition). */
  readonly alsoOn: readonly string[];
  readonly kinds: readonly string[];
  readonly criteria: string | undefined;
  /** The typed subscription field serving it (`janePatientCreated`). */
  readonly subscriptionField: string;
  /** The `changes` filter that subscribes to it. */
  readonly filter: { readonly triggers: readonly string[] };
  /** Worst case over the tenant's connections of the source (the source default when it has none). */
  readonly worstCaseDelaySeconds: number | undefined;
  readonly connections: ReadonlyArray<{
    readonly connection: string;
    readonly cadence: string;
    readonly worstCaseDelaySeconds: number | undefined;
  }>;
};

export type ReplayPage = { readonly events: FeedEvent[]; readonly cursor: string; readonly hasMore: boolean };

/** Events, heartbeats and replay for the GraphQL layer: one per process, shared by every request. */
export type ChangeFeed = {
  subscribe(
    tenant: string,
    input: { filter?: EventFilterInput | null; after?: string | null },
  ): Promise<FeedSubscription>;
  replay(
    tenant: string,
    input: {
      filter?: EventFilterInput | null;
      after?: string | null;
      until?: string | null;
      first?: number | null;
    },
  ): Promise<ReplayPage>;
  status(tenant: string): Promise<FeedStatus>;
  triggers(tenant: string): Promise<TriggerInfo[]>;
  /** The resource at the change's version (for a delete: the version deleted); shared, immutable. */
  resourceOf(tenant: string, change: Change): Promise<Resource | undefined>;
  sourceOf(tenant: string, connection: string | undefined): Promise<string | undefined>;
};

export type ChangeFeedDeps = {
  readonly store: Store;
  readonly tailer: ChangeTailer;
  readonly cursors: EventCursors;
  readonly resourceTypes: readonly string[];
  readonly triggers: readonly TriggerDefinition[];
  readonly log: Pick<Logger, 'warn' | 'debug'>;
  /** The sync engine's operations view (lag, errors); feedStatus lists no connections without it. */
  readonly syncView?: { connections(tenant: string): Promise<readonly ConnectionOperations[]> };
  /** The process-wide cadence override (SYNC_CADENCE), as the sync engine has it. */
  readonly cadence?: Partial<Record<SourceSystem, string>>;
  /** The tailer's poll interval, added to worst-case delays (another process may have polled). */
  readonly pollMs?: number;
  readonly heartbeatMs?: number;
  readonly bufferSize?: number;
  readonly pageSize?: number;
};

export const REPLAY_MAX_FIRST = 1_000;
/** Rows a replay call scans at most (a narrow filter over a long log answers hasMore, not a long request). */
const REPLAY_SCAN_BUDGET = 20_000;
const CACHE_LIMIT = 5_000;

export function createChangeFeed(deps: ChangeFeedDeps): ChangeFeed {
  const pageSize = deps.pageSize ?? 500;
  const known = {
    resourceTypes: new Set(deps.resourceTypes),
    triggers: new Set(deps.triggers.map((t) => t.id)),
  };
  // Versions never change once written, so one shared cache is never stale (unlike per-request loaders).
  const versions = boundedCache<Promise<Resource | undefined>>(CACHE_LIMIT);
  const sources = boundedCache<Promise<string | undefined>>(CACHE_LIMIT);
  /** Sources already read, so the filter answers synchronously for every later change of the connection. */
  const knownSources = boundedCache<{ readonly source: string | undefined }>(CACHE_LIMIT);
  // One compiled filter per distinct filter (100 subscribers with one criterion compile it once),
  // and one FHIRPath evaluation per event per distinct criterion, whoever asks first.
  const filters = boundedCache<EventFilter>(CACHE_LIMIT);
  const verdicts = boundedCache<Promise<boolean>>(CACHE_LIMIT);
  let criteriaFailures = 0;

  const resourceOf = (tenant: string, change: Change) => {
    const version = change.action === 'deleted' ? change.previousVersionId : change.versionId;
    if (version === undefined) return Promise.resolve(undefined);
    const key = `${tenant}\u0000${change.type}\u0000${change.id}\u0000${version}`;
    return versions.get(key, () =>
      deps.store.resources.readVersion(tenant, change.type, change.id, version).then((s) => s?.resource),
    );
  };
  const sourceOf = (tenant: string, connection: string | undefined) => {
    if (connection === undefined) return Promise.resolve(undefined);
    const key = `${tenant}\u0000${connection}`;
    return sources.get(key, () =>
      deps.store.connections.get(tenant, connection).then((c) => {
        knownSources.set(key, { source: c?.source });
        return c?.source;
      }),
    );
  };
  const criteriaHoldOn = async (tenant: string, change: Change, filter: EventFilter) => {
    const resource = await resourceOf(tenant, change);
    if (!resource || !filter.criteria) return false;
    try {
      return criteriaHolds(filter.criteria(resource));
    } catch {
      // A criterion that fails on a resource (a type error at run time) does not match it.
      criteriaFailures++;
      deps.log.debug(
        { type: change.type, failures: criteriaFailures },
        'subscription criteria failed on a resource',
      );
      return false;
    }
  };
  const criteriaAccept = (tenant: string, change: Change, filter: EventFilter) =>
    verdicts.get(`${tenant}\u0000${change.seq}\u0000${filter.criteriaText}`, () =>
      criteriaHoldOn(tenant, change, filter),
    );
  const accept = (tenant: string, change: Change, filter: EventFilter): boolean | Promise<boolean> => {
    if (filter.sources) {
      if (change.connection === undefined) return false;
      const known = knownSources.peek(`${tenant}\u0000${change.connection}`);
      if (!known)
        return sourceOf(tenant, change.connection).then((source) =>
          source === undefined || !filter.sources?.has(source)
            ? false
            : !filter.criteria || criteriaAccept(tenant, change, filter),
        );
      if (known.source === undefined || !filter.sources.has(known.source)) return false;
    }
    return filter.criteria ? criteriaAccept(tenant, change, filter) : true;
  };
  const compile = (input: EventFilterInput | null | undefined) => {
    const f = input ?? {};
    const key = JSON.stringify([f.types, f.connections, f.sources, f.kinds, f.triggers, f.criteria]);
    // Invalid filters throw before anything is cached, so each bad subscribe gets its own error.
    return filters.get(key, () => compileEventFilter(input, known));
  };
  const events = new WeakMap<Change, FeedEvent>();
  /** One event per change object (a change belongs to one tenant): every live subscriber shares it. */
  const eventOf = (tenant: string, change: Change): FeedEvent => {
    let event = events.get(change);
    if (event === undefined) {
      event = { kind: 'event', tenant, cursor: deps.cursors.encode(tenant, change.seq), change };
      events.set(change, event);
    }
    return event;
  };
  const decode = (tenant: string, cursor: string | null | undefined) =>
    cursor === null || cursor === undefined ? undefined : deps.cursors.decode(tenant, cursor);

  const cadenceOf = (source: SourceSystem, configured: unknown): string =>
    (typeof configured === 'string' && cronWorstGapSeconds(configured) !== undefined
      ? configured
      : undefined) ??
    deps.cadence?.[source] ??
    DEFAULT_CADENCE[source];
  const delay = (cadence: string) => {
    const gap = cronWorstGapSeconds(cadence);
    return gap === undefined ? undefined : gap + (deps.pollMs ?? 250) / 1000;
  };

  return {
    async subscribe(tenant, input) {
      const filter = compile(input.filter);
      const afterSeq = decode(tenant, input.after);
      await deps.tailer.start();
      return openSubscription(
        { changes: deps.store.changes, tailer: deps.tailer, cursors: deps.cursors, accept, eventOf },
        {
          tenant,
          filter,
          afterSeq,
          heartbeatMs: deps.heartbeatMs ?? 15_000,
          bufferSize: deps.bufferSize ?? 1_000,
          pageSize,
        },
      );
    },

    async replay(tenant, input) {
      const filter = compile(input.filter);
      const first = input.first ?? 100;
      if (!Number.isInteger(first) || first < 1 || first > REPLAY_MAX_FIRST)
        throw new RangeError(`first: between 1 and ${REPLAY_MAX_FIRST}`);
      let scanned = decode(tenant, input.after);
      const until = decode(tenant, input.until);
      const end = Math.min(until ?? Number.MAX_SAFE_INTEGER, await deps.store.changes.highWaterMark());
      const events: FeedEvent[] = [];
      let budget = REPLAY_SCAN_BUDGET;
      scan: while (budget > 0) {
        const cursor = scanned === undefined ? undefined : deps.store.changes.cursorAt(scanned);
        const page = await deps.store.changes.after(cursor, pageSize, { allTenants: true });
        if (page.changes.length === 0) break;
        for (const change of page.changes) {
          if (change.seq > end) break scan;
          budget--;
          if (
            change.tenant === tenant &&
            filter.matchesChange(change) &&
            (await accept(tenant, change, filter))
          )
            events.push({ kind: 'event', tenant, cursor: deps.cursors.encode(tenant, change.seq), change });
          scanned = change.seq;
          if (events.length >= first) break scan;
        }
      }
      const at = scanned ?? end;
      return { events, cursor: deps.cursors.encode(tenant, at), hasMore: at < end };
    },

    async status(tenant) {
      const hwm = await deps.store.changes.highWaterMark();
      const oldest = (await deps.store.changes.after(undefined, 1, { allTenants: true })).changes[0];
      const ops = deps.syncView ? await deps.syncView.connections(tenant) : [];
      return {
        highWaterMark: deps.cursors.encode(tenant, hwm),
        oldestRetained: deps.cursors.encode(tenant, oldest ? oldest.seq - 1 : hwm),
        connections: ops.map((c) => {
          const lags = c.rows.map((r) => r.lagSeconds);
          return {
            connection: c.connection,
            source: c.source,
            state: c.state,
            lagSeconds: lags.some((l) => l === undefined) ? undefined : Math.max(0, ...(lags as number[])),
            backfilling: c.rows.some((r) => r.backfilling),
            lastError: c.lastError,
          };
        }),
      };
    },

    async triggers(tenant) {
      const connections = await deps.store.connections.list(tenant);
      return deps.triggers.map((trigger) => {
        const mine = connections
          .filter((c) => c.source === trigger.source)
          .map((c) => {
            const cadence = cadenceOf(trigger.source, c.config.cadence);
            return { connection: c.id, cadence, worstCaseDelaySeconds: delay(cadence) };
          });
        const delays =
          mine.length > 0
            ? mine.map((c) => c.worstCaseDelaySeconds)
            : [delay(cadenceOf(trigger.source, undefined))];
        return {
          id: trigger.id,
          source: trigger.source,
          seedName: trigger.seedName,
          resourceType: trigger.resourceType,
          alsoOn: trigger.alsoOn ?? [],
          kinds: trigger.kinds,
          criteria: trigger.criteria,
          subscriptionField: triggerFieldName(trigger.id),
          filter: { triggers: [trigger.id] },
          worstCaseDelaySeconds: delays.some((d) => d === undefined)
            ? undefined
            : Math.max(...(delays as number[])),
          connections: mine,
        };
      });
    },
    resourceOf,
    sourceOf,
  };
}

/** A map that forgets its oldest entries past `limit`; failed loads are not kept. */
function boundedCache<V>(limit: number) {
  const map = new Map<string, V>();
  const set = (key: string, value: V) => {
    if (map.size >= limit) map.delete(map.keys().next().value as string);
    map.set(key, value);
  };
  return {
    get(key: string, load: () => V): V {
      const hit = map.get(key);
      if (hit !== undefined) return hit;
      const value = load();
      if (value instanceof Promise) value.catch(() => map.delete(key));
      set(key, value);
      return value;
    },
    peek: (key: string): V | undefined => map.get(key),
    set,
  };
}
