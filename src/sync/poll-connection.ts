import type { Logger } from 'pino';
import {
  type CatalogRow,
  type Connector,
  type ConnectorSession,
  SourceError,
} from '../connectors/connector.ts';
import type { ForwardOptions, MappingSet } from '../mapping/mapping-set.ts';
import { FencedOutError } from '../store/errors.ts';
import type { Connection, Lease, Store } from '../store/port.ts';
import { applyDeletionNotices } from './deletion-feed.ts';
import { connectionForwardOptions, pageForwardOptions } from './forward-options.ts';
import {
  createPresenceCollector,
  decodePresence,
  encodePresence,
  MAX_TRACKED,
} from './full-scan-presence.ts';
import { startLeaseHeartbeat } from './lease-heartbeat.ts';
import { type PlannedRow, planRun, type RunPlan } from './poll-plan.ts';
import { readAhead } from './read-ahead.ts';
import { orderRows } from './row-order.ts';
import {
  connectionLeaseName,
  decodeRowStatus,
  decodeRowWatermark,
  encodeRowWatermark,
  presenceKey,
  type RowStatus,
  rowStatusKey,
  watermarkKey,
} from './sync-keys.ts';
import { createTriggerTagger } from './trigger-tagger.ts';
import { emptyCounts, type PageCounts, type TriggerTagger, tombstone, writePage } from './write-page.ts';

export type PollConnectionDeps = {
  readonly store: Store;
  readonly mappings: MappingSet;
  readonly log: Logger;
  /** How long the connection's lease lasts without a renewal (renewed by a heartbeat while a run holds it, and before every page is written). */
  readonly leaseTtlMs: number;
  readonly now?: () => Date;
  /** Sees every committed page (metrics). */
  readonly onPage?: (event: PageEvent) => void;
  /** Rows of one connection polled side by side once their dependencies are done (default 4). */
  readonly rowConcurrency?: number;
  /** Time between two runs of the connection (its cadence): paced rows keep the rest of the window's runs' share free. Default 5 min. */
  readonly runIntervalMs?: number;
};

export type PageEvent = {
  readonly connection: Connection;
  readonly row: CatalogRow;
  readonly backfill: boolean;
  /** Native records on the page. */
  readonly records: number;
  readonly counts: PageCounts;
};

export type RowRun = {
  readonly row: string;
  readonly backfill: boolean;
  readonly pages: number;
  readonly counts: PageCounts;
  readonly error?: { readonly code: string; readonly message: string };
};

export type ConnectionRun = {
  /**
   * completed: every row polled; partial: some rows failed (see rows[].error); not_leader: another
   * process holds the connection's lease; fenced_out: the lease was lost mid-run (nothing after
   * that was written); needs_reauth: the source refused the connection's credentials for good.
   */
  readonly outcome: 'completed' | 'partial' | 'not_leader' | 'fenced_out' | 'needs_reauth';
  readonly rows: readonly RowRun[];
};

export type PollConnectionInput = {
  readonly connection: Connection;
  readonly connector: Connector;
  readonly session: ConnectorSession;
  /** This process's identity in the lease table. */
  readonly holder: string;
  readonly signal?: AbortSignal;
};

class LeaseLostError extends Error {}

/**
 * One sync run of one connection: takes (or keeps) the connection's lease, then polls every
 * mapped catalog row in dependency order. Each page is written (mapped, tagged with its triggers,
 * backfill-marked) and only then is the row's watermark moved, fenced by the lease, so a crash
 * re-reads at most one page and a process that lost the lease cannot move a watermark.
 */
export async function pollConnection(
  deps: PollConnectionDeps,
  input: PollConnectionInput,
): Promise<ConnectionRun> {
  const { connection, connector, session, holder } = input;
  const now = deps.now ?? (() => new Date());
  const leaseName = connectionLeaseName(connection.tenant, connection.id);
  let lease = await deps.store.leases.acquire(leaseName, holder, deps.leaseTtlMs);
  if (!lease) return { outcome: 'not_leader', rows: [] };

  const renew = async (): Promise<Lease> => {
    const renewed = lease ? await deps.store.leases.renew(lease, deps.leaseTtlMs) : undefined;
    if (!renewed) throw new LeaseLostError();
    lease = renewed;
    return renewed;
  };

  // Rows another row's poll already delivers (or the source cannot list) cost no request; rows
  // without a mapping would only fill the quarantine.
  const mapped = (entity: string) => deps.mappings.mappingsFor(connection.source, entity).length > 0;
  const feedTarget = (row: CatalogRow) =>
    row.deletionFeedOf ? connector.catalog.find((r) => r.key === row.deletionFeedOf?.row) : undefined;
  const candidates = orderRows(connector.catalog).filter((row) => {
    if (row.polledBy !== undefined) return false;
    const target = feedTarget(row);
    return target ? mapped(target.entity) : mapped(row.entity);
  });
  // Paced rows (pollEveryMs) only when due and within the budget's spare (poll-plan.ts).
  const plan = await planConnectionRun(deps, connection, session, candidates, now());
  const ordered = plan ? candidates.filter((row) => plan.poll.has(row.key)) : candidates;
  if (plan && plan.deferred.length > 0) {
    deps.log.debug(
      { tenant: connection.tenant, connection: connection.id, rows: plan.deferred, reserved: plan.reserved },
      'paced rows deferred: the budget window keeps its spare for the every-run rows',
    );
  }
  // The connection's time zone, currency and base URL; a bad setting fails the run, clearly.
  const forwardOptions = connectionForwardOptions(connection);
  const failed = new Set<string>();
  const results = new Map<string, RowRun>();
  // needs_reauth or a lost lease stops every row of the run.
  const halt = new AbortController();
  let stopped: 'fenced_out' | 'needs_reauth' | undefined;
  // A function: the heartbeat sets `stopped` while a row awaits, which narrowing cannot see.
  const fencedOut = (): boolean => stopped === 'fenced_out';
  const signal = input.signal ? AbortSignal.any([input.signal, halt.signal]) : halt.signal;
  const limit = createLimiter(deps.rowConcurrency ?? 4);
  // However long a page waits (a 429 pause, a budget wait, a slow source), the lease stays ours;
  // once a renewal finds it lost, every row stops at once: no further request, no write.
  const heartbeat = startLeaseHeartbeat({
    ttlMs: deps.leaseTtlMs,
    renew: async () => {
      const renewed = lease ? await deps.store.leases.renew(lease, deps.leaseTtlMs) : undefined;
      if (renewed) lease = renewed;
      return renewed;
    },
    onLost: () => {
      if (stopped !== undefined) return;
      deps.log.warn(
        { tenant: connection.tenant, connection: connection.id },
        'sync lease lost while polling: stopping this run',
      );
      stopped = 'fenced_out';
      halt.abort(new LeaseLostError());
    },
  });

  const pollRow = async (row: CatalogRow): Promise<void> => {
    const key = watermarkKey(connection.tenant, connection.id, row.key);
    const stored = decodeRowWatermark(await deps.store.watermarks.get(key));
    const backfill = stored === undefined || stored.backfilling;
    let cursor = stored?.cursor;
    const counts = emptyCounts();
    let pages = 0;
    const startedAt = now().toISOString();
    try {
      const triggers = createTriggerTagger(connector.triggers, row);
      // A full scan lists every record: those of the last complete scan it lacks were deleted.
      const presence = row.cursor === 'full-scan' ? createPresenceCollector() : undefined;
      // Page N+1 is on its way while page N is written; a stopped run drops it unwritten.
      const from = cursor;
      const read = readAhead((reading) => session.poll({ row, watermark: from, signal: reading }), signal);
      for await (const page of read) {
        const held = await renew();
        const target = feedTarget(row);
        const written = target
          ? {
              ...emptyCounts(),
              deleted: await applyDeletionNotices(
                deps,
                connection,
                target,
                row.deletionFeedOf?.idField ?? 'id',
                page.records,
                {
                  connection: connection.id,
                  triggers: createTriggerTagger(connector.triggers, target),
                  backfill,
                },
              ),
            }
          : await writePage(deps, {
              tenant: connection.tenant,
              connection: { id: connection.id, source: connection.source },
              entity: row.entity,
              records: page.records,
              backfill,
              triggers,
              options: pageForwardOptions(connection, forwardOptions, page.records),
              ...(row.deletedWhen ? { deletedWhen: row.deletedWhen } : {}),
              ...(presence ? { onRecord: presence.onRecord } : {}),
            });
        if (page.watermark !== undefined) {
          cursor = page.watermark;
          await deps.store.watermarks.set(key, encodeRowWatermark({ cursor, backfilling: backfill }), held);
        }
        pages++;
        addCounts(counts, written);
        deps.onPage?.({ connection, row, backfill, records: page.records.length, counts: written });
        if (signal.aborted) break;
      }
      if (signal.aborted) {
        const lost = fencedOut() ? { error: { code: 'fenced_out', message: 'lease lost' } } : {};
        results.set(row.key, { row: row.key, backfill, pages, counts, ...lost });
        return;
      }
      if (presence)
        counts.deleted += await settleFullScan(deps, connection, row, presence, triggers, backfill, renew);
      // The row is caught up: from now on its changes are live, not backfill.
      const held = await renew();
      await deps.store.watermarks.set(key, encodeRowWatermark({ cursor, backfilling: false }), held);
      await writeStatus(deps, connection, row, held, {
        lastSuccessAt: now().toISOString(),
        lastAttemptAt: startedAt,
        lastError: undefined,
        backfilling: false,
        // The planner's estimate of the row's next poll (a bulk backfill's job start included).
        requests: Math.max(1, pages),
      });
      results.set(row.key, { row: row.key, backfill, pages, counts });
    } catch (error) {
      // A lost lease (found here, or by the heartbeat, whose abort ends the request in flight).
      if (error instanceof LeaseLostError || error instanceof FencedOutError || fencedOut()) {
        if (stopped === undefined) {
          deps.log.warn(
            { tenant: connection.tenant, connection: connection.id, row: row.key },
            'sync lease lost: stopping this run',
          );
        }
        stopped = 'fenced_out';
        halt.abort();
        results.set(row.key, {
          row: row.key,
          backfill,
          pages,
          counts,
          error: { code: 'fenced_out', message: 'lease lost' },
        });
        return;
      }
      const problem = describeError(error);
      failed.add(row.key);
      results.set(row.key, { row: row.key, backfill, pages, counts, error: problem });
      if (error instanceof SourceError && error.code === 'needs_reauth') {
        stopped ??= 'needs_reauth';
        halt.abort();
      } else if (!signal.aborted) {
        deps.log.warn(
          { tenant: connection.tenant, connection: connection.id, row: row.key, code: problem.code, pages },
          'sync row failed; its watermark stays at the last committed page',
        );
      }
      const previous = await readStatus(deps, connection, row);
      if (lease && !fencedOut()) {
        await writeStatus(deps, connection, row, lease, {
          lastSuccessAt: previous?.lastSuccessAt,
          lastAttemptAt: startedAt,
          lastError: { at: now().toISOString(), ...problem },
          backfilling: backfill,
          ...(previous?.requests !== undefined ? { requests: previous.requests } : {}),
        }).catch(() => undefined);
      }
    }
  };

  // Each row starts once the rows it depends on are done; independent rows run side by side
  // (a few at a time: the connector's budget paces the requests).
  const done = new Map<string, Promise<void>>();
  for (const row of ordered) {
    const dependencies = (row.dependsOn ?? []).flatMap((dep) => {
      const pending = done.get(dep);
      return pending ? [pending] : [];
    });
    done.set(
      row.key,
      Promise.all(dependencies).then(() =>
        limit(async () => {
          if (signal.aborted) return;
          const blockedBy = (row.dependsOn ?? []).find((dep) => failed.has(dep));
          if (blockedBy !== undefined) {
            failed.add(row.key);
            results.set(row.key, {
              row: row.key,
              backfill: false,
              pages: 0,
              counts: emptyCounts(),
              error: { code: 'dependency_failed', message: `row ${blockedBy} failed in this run` },
            });
            return;
          }
          await pollRow(row);
        }),
      ),
    );
  }
  await Promise.all(done.values()).finally(() => heartbeat.stop());
  const rows = ordered.flatMap((row) => {
    const result = results.get(row.key);
    return result ? [result] : [];
  });
  return { outcome: stopped ?? (failed.size > 0 ? 'partial' : 'completed'), rows };
}

/**
 * After a complete full scan: tombstones the resources of records that vanished since the last
 * complete scan (with the row's triggers), then records this scan's records, fenced by the lease.
 * A crash in between re-finds the same vanished records next time: deleting again is a no-op.
 */
async function settleFullScan(
  deps: PollConnectionDeps,
  connection: Connection,
  row: CatalogRow,
  presence: ReturnType<typeof createPresenceCollector>,
  triggers: TriggerTagger,
  backfill: boolean,
  renew: () => Promise<Lease>,
): Promise<number> {
  const key = presenceKey(connection.tenant, connection.id, row.key);
  if (presence.size > MAX_TRACKED) {
    deps.log.warn(
      { tenant: connection.tenant, connection: connection.id, row: row.key, records: presence.size },
      'full-scan row too large to track deletions; deletions at the source are not seen',
    );
    await deps.store.watermarks.set(key, encodePresence(new Map()), await renew());
    return 0;
  }
  const previous = decodePresence(await deps.store.watermarks.get(key));
  const settled = presence.settle(previous);
  await renew();
  const deleted = await tombstone(
    deps,
    connection.tenant,
    settled.vanished.map((resourceKey) => {
      const [type = '', id = ''] = resourceKey.split('/');
      return { type, id };
    }),
    { connection: connection.id, triggers, backfill },
  );
  await deps.store.watermarks.set(key, encodePresence(settled.presence), await renew());
  return deleted;
}

/**
 * The run's plan when some rows are paced (undefined otherwise: every row, no store reads). Each
 * row's last poll (its status) gives when it was polled and what it cost; the session's longest
 * fixed budget window gives what is used and what is left.
 */
async function planConnectionRun(
  deps: PollConnectionDeps,
  connection: Connection,
  session: ConnectorSession,
  rows: readonly CatalogRow[],
  at: Date,
): Promise<RunPlan | undefined> {
  if (!rows.some((row) => row.pollEveryMs !== undefined)) return undefined;
  // What every holder spent in the window (a previous holder's hour included), not this process alone.
  await session.refreshStatus?.();
  const planned: PlannedRow[] = await Promise.all(
    rows.map(async (row) => {
      const status = await readStatus(deps, connection, row);
      // A row whose last poll failed is due again at once (its watermark did not move).
      const lastPolledAt = status && !status.lastError ? Date.parse(status.lastAttemptAt) : Number.NaN;
      return {
        key: row.key,
        pollEveryMs: row.pollEveryMs,
        lastPolledAt: Number.isNaN(lastPolledAt) ? undefined : lastPolledAt,
        lastRequests: status?.requests,
        backfilling: status === undefined || status.backfilling,
      };
    }),
  );
  const window = session
    .status()
    .requestsUsed.filter((w) => w.kind === 'fixed' && w.windowMs !== undefined)
    .sort((a, b) => (b.windowMs ?? 0) - (a.windowMs ?? 0))[0];
  return planRun({
    now: at.getTime(),
    rows: planned,
    budget: window ? { used: window.used, limit: window.limit, windowMs: window.windowMs ?? 0 } : undefined,
    runIntervalMs: deps.runIntervalMs ?? 300_000,
  });
}

/** Runs at most `max` tasks at once, in the order they were handed in. */
function createLimiter(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    // A finishing task hands its slot straight to the next waiting one.
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

/**
 * The mapping options the sync uses for a connection's records (time zone, currency, FHIR base,
 * a resolver over `records`): mutations store the source's answers the same way.
 */
export function forwardOptionsFor(connection: Connection, records: readonly unknown[] = []): ForwardOptions {
  return pageForwardOptions(connection, connectionForwardOptions(connection), records);
}

function addCounts(into: PageCounts, add: PageCounts): void {
  for (const name of Object.keys(into) as Array<keyof PageCounts>) into[name] += add[name];
}

/** A PHI-free description: source errors carry codes and statuses; anything else only its class name. */
export function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof SourceError) return { code: error.code, message: error.message };
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
    return { code: error.code, message: error.message };
  }
  return { code: 'internal', message: `internal error (${(error as Error)?.name ?? 'unknown'})` };
}

async function readStatus(deps: PollConnectionDeps, connection: Connection, row: CatalogRow) {
  return decodeRowStatus(
    await deps.store.watermarks.get(rowStatusKey(connection.tenant, connection.id, row.key)),
  );
}

async function writeStatus(
  deps: PollConnectionDeps,
  connection: Connection,
  row: CatalogRow,
  lease: Lease,
  status: RowStatus,
): Promise<void> {
  await deps.store.watermarks.set(
    rowStatusKey(connection.tenant, connection.id, row.key),
    JSON.stringify(status),
    lease,
  );
}
