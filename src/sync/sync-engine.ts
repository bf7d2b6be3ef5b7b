import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { SHARED_WINDOW_MIN_MS } from '../connectors/common/shared-budget.ts';
import { type Connector, type ConnectorSession, SourceError } from '../connectors/connector.ts';
import type { SourceSystem } from '../fhir/identity.ts';
import type { MappingSet } from '../mapping/mapping-set.ts';
import type { Connection, Lease, Store } from '../store/port.ts';
import { type ConnectionRun, describeError, type PageEvent, pollConnection } from './poll-connection.ts';
import { connectionLeaseName } from './sync-keys.ts';

/**
 * Default cadence per source (node-cron expressions with seconds). DrChrono's is the slowest
 * because its budget is 500 requests an hour per app for every catalog row together.
 */
export const DEFAULT_CADENCE: Readonly<Record<SourceSystem, string>> = {
  jane: '*/30 * * * * *',
  drchrono: '0 */5 * * * *',
  epic: '0 * * * * *',
};

export type SyncEngineDeps = {
  readonly store: Store;
  readonly mappings: MappingSet;
  readonly log: Logger;
  readonly connectors: readonly Connector[];
  /** This process's identity in the lease table (unique per process). */
  readonly holder: string;
  /** Lease lifetime without renewal; a crashed process's connections move on after it. Default 2 min. */
  readonly leaseTtlMs?: number;
  readonly cadence?: Partial<Record<SourceSystem, string>>;
  /** How often start()ed engines look for new or re-connected connections. Default 15 s. */
  readonly rescanEveryMs?: number;
  /** Sees every committed page and every run (metrics). */
  readonly onPage?: (event: PageEvent) => void;
  readonly onRun?: (connection: Connection, run: ConnectionRun) => void;
  /** The sync's clock (paced rows' due times); tests move it forward. Default: the wall clock. */
  readonly now?: () => Date;
};

/** What this process knows of a connection (the operations view adds the store's view to it). */
export type EngineConnectionState = {
  readonly state: 'idle' | 'polling' | 'needs_reauth' | 'polled_elsewhere' | 'error';
  readonly cadence: string;
  readonly lastRun: { readonly at: string; readonly outcome: ConnectionRun['outcome'] } | undefined;
  readonly lastError: { readonly at: string; readonly code: string; readonly message: string } | undefined;
  readonly session: ConnectorSession | undefined;
};

export type SyncEngine = {
  /** Schedules every stored connection of every tenant, and starts a first run of each now. */
  start(): Promise<void>;
  /** Schedules (or re-schedules, after a reconnect) one connection and starts a run now. */
  add(connection: Connection): void;
  /** Runs one connection now, after any run of it in progress in this process. */
  runOnce(tenant: string, connectionId: string): Promise<ConnectionRun>;
  state(tenant: string, connectionId: string): EngineConnectionState | undefined;
  /** Stops the schedules, lets runs in progress stop at a page boundary, releases leases. */
  stop(): Promise<void>;
};

type Entry = {
  connection: Connection;
  cadence: string;
  task: ScheduledTask | undefined;
  session: ConnectorSession | undefined;
  running: Promise<ConnectionRun> | undefined;
  state: EngineConnectionState['state'];
  lastRun: EngineConnectionState['lastRun'];
  lastError: EngineConnectionState['lastError'];
};

/**
 * The sync engine: a node-cron task per connection at its cadence (`config.cadence`, else the
 * source's default); each tick runs pollConnection, which only polls when this process holds the
 * connection's lease. A connection whose credentials failed for good waits in `needs_reauth`
 * until it is re-connected (its record changes): no retry storm.
 */
export function createSyncEngine(deps: SyncEngineDeps): SyncEngine {
  const entries = new Map<string, Entry>();
  const stopping = new AbortController();
  const leaseTtlMs = deps.leaseTtlMs ?? 120_000;
  const connectorOf = (source: SourceSystem) => deps.connectors.find((c) => c.source === source);
  const keyOf = (tenant: string, id: string) => `${tenant}/${id}`;
  // node-cron's own notices (a tick skipped while the previous run goes on) are routine: debug.
  const cronLogger = {
    info: (message: string) => deps.log.debug({ cron: true }, message),
    warn: (message: string) => deps.log.debug({ cron: true }, message),
    error: (message: string | Error) => deps.log.warn({ cron: true }, String(message)),
    debug: (message: string | Error) => deps.log.debug({ cron: true }, String(message)),
  };

  const cadenceOf = (connection: Connection): string => {
    const configured = connection.config.cadence;
    if (typeof configured === 'string' && cron.validate(configured)) return configured;
    if (configured !== undefined) {
      deps.log.warn(
        { tenant: connection.tenant, connection: connection.id },
        'connection cadence is not a valid cron expression; using the source default',
      );
    }
    return deps.cadence?.[connection.source] ?? DEFAULT_CADENCE[connection.source];
  };

  /** Time between two ticks of the connection's cadence (the planner reserves budget per run). */
  const intervalOf = (entry: Entry): number => {
    const [first, second] = entry.task?.getNextRuns(2) ?? [];
    const ms = first && second ? second.getTime() - first.getTime() : Number.NaN;
    return Number.isFinite(ms) && ms > 0 ? ms : 300_000;
  };

  const run = async (entry: Entry): Promise<ConnectionRun> => {
    const { connection } = entry;
    const connector = connectorOf(connection.source);
    if (!connector) throw new Error(`no connector for source ${connection.source}`);
    if (entry.state === 'needs_reauth') return { outcome: 'needs_reauth', rows: [] };
    entry.state = 'polling';
    let result: ConnectionRun;
    try {
      entry.session ??= await connector.open(connection);
      result = await pollConnection(
        {
          store: deps.store,
          mappings: deps.mappings,
          log: deps.log,
          leaseTtlMs,
          runIntervalMs: intervalOf(entry),
          ...(deps.now ? { now: deps.now } : {}),
          ...(deps.onPage ? { onPage: deps.onPage } : {}),
        },
        { connection, connector, session: entry.session, holder: deps.holder, signal: stopping.signal },
      );
    } catch (error) {
      const problem = describeError(error);
      entry.lastError = { at: new Date().toISOString(), ...problem };
      const reauth = error instanceof SourceError && error.code === 'needs_reauth';
      result = { outcome: reauth ? 'needs_reauth' : 'partial', rows: [] };
      deps.log.warn(
        { tenant: connection.tenant, connection: connection.id, code: problem.code },
        'sync run failed',
      );
    }
    const failedRow = result.rows.find((row) => row.error !== undefined);
    if (failedRow?.error) entry.lastError = { at: new Date().toISOString(), ...failedRow.error };
    entry.lastRun = { at: new Date().toISOString(), outcome: result.outcome };
    entry.state =
      result.outcome === 'needs_reauth'
        ? 'needs_reauth'
        : result.outcome === 'not_leader' || result.outcome === 'fenced_out'
          ? 'polled_elsewhere'
          : result.outcome === 'partial'
            ? 'error'
            : 'idle';
    if (result.outcome === 'needs_reauth') {
      deps.log.warn(
        { tenant: connection.tenant, connection: connection.id },
        'connection needs re-authorisation: polling paused until it is re-connected',
      );
    }
    deps.onRun?.(connection, result);
    return result;
  };

  /** Runs of one connection never overlap in this process: each waits for the one before. */
  const enqueue = (entry: Entry): Promise<ConnectionRun> => {
    const previous = entry.running ?? Promise.resolve(undefined);
    const next = previous.catch(() => undefined).then(() => run(entry));
    entry.running = next;
    void next.finally(() => {
      if (entry.running === next) entry.running = undefined;
    });
    return next;
  };

  const add = (connection: Connection): Entry => {
    const key = keyOf(connection.tenant, connection.id);
    const existing = entries.get(key);
    if (existing && existing.connection.updatedAt === connection.updatedAt) return existing;
    if (existing) {
      void existing.task?.destroy();
      void existing.session?.close().catch(() => undefined);
    }
    const entry: Entry = {
      connection,
      cadence: cadenceOf(connection),
      task: undefined,
      session: undefined,
      running: undefined,
      state: 'idle',
      lastRun: undefined,
      lastError: undefined,
    };
    entry.task = cron.createTask(
      entry.cadence,
      async () => {
        // A tick that finds the previous run still going skips: the next tick catches up.
        if (!entry.running) await enqueue(entry).catch(() => undefined);
      },
      { name: `sync:${key}`, noOverlap: true, logger: cronLogger },
    );
    entries.set(key, entry);
    return entry;
  };

  /** Schedules every stored connection not scheduled yet (or changed since: a reconnect) and runs it now. */
  const scan = async () => {
    for (const tenant of await deps.store.tenants.list()) {
      for (const connection of await deps.store.connections.list(tenant.id)) {
        if (!connectorOf(connection.source) || stopping.signal.aborted) continue;
        const known = entries.get(keyOf(connection.tenant, connection.id));
        if (known && known.connection.updatedAt === connection.updatedAt) continue;
        const entry = add(connection);
        void entry.task?.start();
        void enqueue(entry).catch(() => undefined);
      }
    }
  };
  let rescan: NodeJS.Timeout | undefined;

  return {
    async start() {
      await scan();
      // Connections made through /connect (or re-authorised) join without a restart.
      rescan = setInterval(() => {
        scan().catch((error: unknown) =>
          deps.log.warn({ code: describeError(error).code }, 'sync: listing connections failed'),
        );
      }, deps.rescanEveryMs ?? 15_000);
      rescan.unref();
    },
    add(connection) {
      const entry = add(connection);
      void entry.task?.start();
      void enqueue(entry).catch(() => undefined);
    },
    async runOnce(tenant, connectionId) {
      let entry = entries.get(keyOf(tenant, connectionId));
      const connection = await deps.store.connections.get(tenant, connectionId);
      if (!connection) throw new Error(`unknown connection ${tenant}/${connectionId}`);
      if (!entry || entry.connection.updatedAt !== connection.updatedAt) entry = add(connection);
      return enqueue(entry);
    },
    state(tenant, connectionId) {
      const entry = entries.get(keyOf(tenant, connectionId));
      if (!entry) return undefined;
      return {
        state: entry.state,
        cadence: entry.cadence,
        lastRun: entry.lastRun,
        lastError: entry.lastError,
        session: entry.session,
      };
    },
    async stop() {
      stopping.abort();
      if (rescan) clearInterval(rescan);
      for (const entry of entries.values()) await entry.task?.destroy();
      await Promise.all([...entries.values()].map((entry) => entry.running?.catch(() => undefined)));
      const held: Lease[] = [];
      let quiet = 0;
      for (const entry of entries.values()) {
        const lease = await deps.store.leases.current(
          connectionLeaseName(entry.connection.tenant, entry.connection.id),
        );
        if (lease?.holder !== deps.holder) continue;
        held.push(lease);
        quiet = Math.max(quiet, unsharedWindowInUse(entry.session));
      }
      // The next holder may start as soon as the lease is free: the budget windows kept per process
      // (not shared through the store) that this process used must have passed first.
      if (quiet > 0) await new Promise((resolve) => setTimeout(resolve, quiet));
      for (const lease of held) await deps.store.leases.release(lease);
      for (const entry of entries.values()) await entry.session?.close().catch(() => undefined);
      entries.clear();
    },
  };
}

/** The longest request-budget window of the session kept per process and used now (0: none). */
function unsharedWindowInUse(session: ConnectorSession | undefined): number {
  const windows = session?.status().requestsUsed ?? [];
  return Math.max(
    0,
    ...windows.flatMap((w) =>
      w.windowMs !== undefined && w.windowMs < SHARED_WINDOW_MIN_MS && w.used > 0 ? [w.windowMs] : [],
    ),
  );
}
