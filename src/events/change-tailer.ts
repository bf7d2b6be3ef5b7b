import type { Logger } from 'pino';
import { CursorExpiredError } from '../store/errors.ts';
import type { Change, ChangeLog } from '../store/port.ts';

/** A live reader of one tenant's changes, fed by the tailer in seq order. */
export type TailerSink = {
  readonly tenant: string;
  /** Every change of the sink's tenant after the position it attached at, in seq order, synchronously. */
  push(change: Change): void;
  /** The tailer has scanned the log up to `seq` (other tenants' changes included): a heartbeat position. */
  advance(seq: number): void;
  /** The tailer cannot go on from where the sink is (its position fell out of retention). */
  abort(reason: 'resync'): void;
};

export type ChangeTailer = {
  /** Starts at the current high-water mark and polls; idempotent. */
  start(): Promise<void>;
  /** Something was committed (this process's own write, a change stream event): read now. */
  wake(): void;
  /** The seq up to which every change has been handed to the sinks. */
  position(): number;
  /**
   * Attaches a sink from now on (synchronously: no change is handed out between the caller's
   * check of position() and the attach). Answers the detach function.
   */
  attach(sink: TailerSink): () => void;
  readonly subscribers: number;
  stop(): Promise<void>;
};

export type ChangeTailerDeps = {
  readonly changes: ChangeLog;
  readonly log: Pick<Logger, 'warn' | 'error' | 'debug'>;
  /** The short poll that finds other processes' commits when nothing wakes the tailer. Default 250 ms. */
  readonly pollMs?: number;
  /** Changes read per store round trip. Default 500. */
  readonly batch?: number;
};

/**
 * One tailer per process: reads the shared change log (all tenants, so one read serves every
 * subscriber of the process) from its position and hands each change to the sinks of its tenant.
 * It is woken by the process's own commits, by a change stream where there is one, and by a short
 * poll otherwise — reading the log, never trusting the wake-up itself, so wake-ups can be lost or
 * repeated and several processes on one store all see every change.
 */
export function createChangeTailer(deps: ChangeTailerDeps): ChangeTailer {
  const pollMs = deps.pollMs ?? 250;
  const batch = deps.batch ?? 500;
  const sinks = new Map<string, Set<TailerSink>>();
  let count = 0;
  let position = 0;
  let started: Promise<void> | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let reading: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const dispatch = (changes: readonly Change[]) => {
    for (const change of changes) {
      position = change.seq;
      const forTenant = sinks.get(change.tenant);
      if (forTenant) for (const sink of forTenant) sink.push(change);
    }
  };

  const advanceAll = () => {
    for (const forTenant of sinks.values()) for (const sink of forTenant) sink.advance(position);
  };

  const readOnce = async (): Promise<boolean> => {
    let page: Awaited<ReturnType<ChangeLog['after']>>;
    try {
      page = await deps.changes.after(deps.changes.cursorAt(position), batch, { allTenants: true });
    } catch (err) {
      if (err instanceof CursorExpiredError) {
        // The log was pruned past this process's position (it lagged a whole retention window):
        // every sink would have a gap, so each is told to resync from its own cursor.
        deps.log.warn({ position }, 'change tailer fell behind retention; subscribers must resync');
        for (const forTenant of sinks.values()) for (const sink of [...forTenant]) sink.abort('resync');
        position = await deps.changes.highWaterMark();
        return false;
      }
      throw err;
    }
    dispatch(page.changes);
    advanceAll();
    return page.changes.length >= batch;
  };

  const read = async () => {
    do {
      again = false;
      try {
        while (!stopped && (await readOnce())) {}
      } catch (err) {
        // Store briefly unavailable: the next wake or poll tries again; subscribers only wait.
        deps.log.error({ error: { errorType: (err as Error).name } }, 'change tailer read failed');
      }
    } while (again && !stopped);
  };

  const wake = () => {
    if (stopped || started === undefined) return;
    if (reading) {
      again = true;
      return;
    }
    reading = read().finally(() => {
      reading = undefined;
    });
  };

  return {
    start() {
      started ??= (async () => {
        position = await deps.changes.highWaterMark();
        timer = setInterval(wake, pollMs);
        timer.unref();
      })();
      return started;
    },
    wake,
    position: () => position,
    attach(sink) {
      const forTenant = sinks.get(sink.tenant) ?? new Set<TailerSink>();
      sinks.set(sink.tenant, forTenant);
      forTenant.add(sink);
      count++;
      return () => {
        const set = sinks.get(sink.tenant);
        if (!set?.delete(sink)) return;
        count--;
        if (set.size === 0) sinks.delete(sink.tenant);
      };
    },
    get subscribers() {
      return count;
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await reading;
    },
  };
}
