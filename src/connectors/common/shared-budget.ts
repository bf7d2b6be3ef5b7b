import { createHash } from 'node:crypto';
import type { BudgetStore, BudgetWindowSpec } from '../../store/port.ts';
import { SourceError } from '../connector.ts';
import type { BudgetUsage, BudgetWindow, RequestBudget } from './request-budget.ts';

/**
 * Windows at least this long are shared through the store; shorter ones (DrChrono's and Epic's
 * per-second windows) stay per process: a crashed holder's lease outlives them many times over,
 * and a graceful hand-over waits one out (sync-engine.ts). Reasoning in docs/sync.md.
 */
export const SHARED_WINDOW_MIN_MS = 10_000;

/**
 * How a window is reserved in the store: a fixed window in blocks of a tenth of its limit, at most
 * 10 (a crash wastes at most one block, counted on the safe side); a sliding window in blocks of
 * a twentieth, usable for a quarter of the window (each block then counts for 1.25 windows, so
 * a sliding window's shared pace is at most 80 % of its limit).
 */
export function sharedWindow(w: BudgetWindow): { spec: BudgetWindowSpec; block: number } {
  if (w.kind === 'fixed') {
    return {
      spec: { kind: 'fixed', windowMs: w.windowMs, limit: w.limit, holdMs: 0 },
      block: Math.max(1, Math.min(10, Math.ceil(w.limit / 10))),
    };
  }
  return {
    spec: { kind: 'sliding', windowMs: w.windowMs, limit: w.limit, holdMs: Math.floor(w.windowMs / 4) },
    block: Math.max(1, Math.ceil(w.limit / 20)),
  };
}

type Grant = { left: number; usableUntil: number };
/** The store's figure for a window key as last read, and when (local clock). */
type Known = { used: number; at: number };

export type SharedBudgetOptions = {
  readonly store: BudgetStore;
  /** Who shares the budget (session-transport's budgetKey); hashed into the store's keys. */
  readonly budgetKey: string;
  readonly windows: readonly BudgetWindow[];
  readonly now: () => number;
};

/**
 * A request budget whose long windows are shared by every process on the store, so a holder that
 * takes a connection over (after a crash or a hand-over) starts from what the previous one spent.
 * Slots are reserved in the store a block at a time ahead of use (`prepare`); `tryTake` then takes
 * a slot of the block and of the in-process budget (`local`, which still paces the short windows
 * and the exact sliding timestamps). Reservations only ever add to the stored count.
 */
export function createSharedBudget(local: RequestBudget, options: SharedBudgetOptions): RequestBudget {
  const { store, now } = options;
  const shared = options.windows.filter((w) => w.windowMs >= SHARED_WINDOW_MIN_MS);
  if (shared.length === 0) return local;
  const keyOf = (w: BudgetWindow, endpoint: string) => sharedBudgetKey(options.budgetKey, w, endpoint);
  const grants = new Map<string, Grant>();
  const blocked = new Map<string, number>();
  const known = new Map<string, Known>();
  const refills = new Map<string, Promise<void>>();
  // Per-endpoint windows: the endpoints seen, to refresh and report their figures.
  const endpoints = new Map<string, Set<string>>();

  const usable = (grant: Grant | undefined, at: number): grant is Grant =>
    grant !== undefined && grant.left > 0 && at < grant.usableUntil;

  const refill = (w: BudgetWindow, key: string): Promise<void> => {
    let pending = refills.get(key);
    if (!pending) {
      const { spec, block } = sharedWindow(w);
      const startedAt = now();
      pending = store
        .reserve(key, spec, Math.min(block, spec.limit))
        .then(
          (r) => {
            known.set(key, { used: r.used, at: startedAt });
            if (r.granted > 0) grants.set(key, { left: r.granted, usableUntil: startedAt + r.usableForMs });
            else blocked.set(key, startedAt + r.retryAfterMs);
          },
          (error: unknown) => {
            // No reservation, no request: the shared count must never be passed by a blind guess.
            throw new SourceError(
              'unavailable',
              `request budget ${w.name} could not be reserved in the store`,
              {
                cause: (error as Error)?.name ?? 'unknown',
              },
            );
          },
        )
        .finally(() => refills.delete(key));
      refills.set(key, pending);
    }
    return pending;
  };

  /** The store's figure for a key, less what this process reserved and has not used yet. */
  const sharedUsed = (w: BudgetWindow, key: string, at: number): number => {
    const figure = known.get(key);
    if (!figure) return 0;
    const stale =
      w.kind === 'fixed'
        ? Math.floor(figure.at / w.windowMs) !== Math.floor(at / w.windowMs)
        : at - figure.at >= w.windowMs;
    if (stale) return 0;
    const grant = grants.get(key);
    return Math.max(0, figure.used - (usable(grant, at) ? grant.left : 0));
  };

  const keysOf = (w: BudgetWindow): string[] =>
    w.perEndpoint ? [...(endpoints.get(w.name) ?? [])].map((e) => keyOf(w, e)) : [keyOf(w, '')];

  return {
    async prepare(endpoint) {
      let wait = 0;
      await Promise.all(
        shared.map(async (w) => {
          if (w.perEndpoint) {
            const seen = endpoints.get(w.name) ?? new Set<string>();
            seen.add(endpoint);
            endpoints.set(w.name, seen);
          }
          const key = keyOf(w, endpoint);
          if (usable(grants.get(key), now())) return;
          const until = blocked.get(key) ?? 0;
          if (until <= now()) await refill(w, key);
          const at = now();
          if (!usable(grants.get(key), at)) wait = Math.max(wait, Math.max(1, (blocked.get(key) ?? at) - at));
        }),
      );
      return wait;
    },
    tryTake(endpoint, at) {
      const t = at ?? now();
      const held = shared.map((w) => grants.get(keyOf(w, endpoint)));
      // No reserved slot left: `prepare` reserves the next block first.
      if (!held.every((g) => usable(g, t))) return 1;
      const wait = local.tryTake(endpoint, t);
      if (wait > 0) return wait;
      for (const grant of held) if (grant) grant.left--;
      return 0;
    },
    settle: (endpoint, takenAt) => local.settle(endpoint, takenAt),
    pause: (ms) => local.pause(ms),
    pausedFor: () => local.pausedFor(),
    async refresh() {
      const at = now();
      await Promise.all(
        shared.flatMap((w) =>
          keysOf(w).map(async (key) => {
            known.set(key, { used: await store.used(key, sharedWindow(w).spec), at });
          }),
        ),
      );
    },
    usage(): BudgetUsage[] {
      const at = now();
      return local.usage().map((usage) => {
        const w = shared.find((s) => s.name === usage.window);
        if (!w) return usage;
        const figure = Math.max(0, ...keysOf(w).map((key) => sharedUsed(w, key, at)));
        return { ...usage, used: Math.max(usage.used, figure) };
      });
    },
  };
}

/**
 * The store's key of a window of a budget (and endpoint, for per-endpoint windows): hashed, so the
 * key is short, printable and carries no client id or URL.
 */
export function sharedBudgetKey(
  budgetKey: string,
  window: Pick<BudgetWindow, 'name' | 'perEndpoint'>,
  endpoint = '',
): string {
  return `budget/${hash(budgetKey)}/${window.name}${window.perEndpoint ? `/${hash(endpoint)}` : ''}`;
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);
