/**
 * Request budgets: every request takes a slot in each window that applies to it before it is
 * sent, so the source's limits are never exceeded by this process. Windows are data:
 * `fixed` windows reset on a clock boundary (DrChrono's hour resets at the top of the hour),
 * `sliding` windows count the last `windowMs`. `perEndpoint` windows count each endpoint
 * (method + path pattern) separately (Jane's 100/min per endpoint).
 */
export type BudgetWindow = {
  readonly name: string;
  readonly limit: number;
  readonly windowMs: number;
  readonly kind: 'fixed' | 'sliding';
  readonly perEndpoint?: boolean;
};

export type BudgetUsage = {
  window: string;
  used: number;
  limit: number;
  /** The window's length and kind: the sync's planner paces paced rows by the longest fixed one. */
  windowMs: number;
  kind: 'fixed' | 'sliding';
};

export type RequestBudget = {
  /**
   * Before `tryTake`, budgets shared through the store (shared-budget.ts) reserve slots ahead of
   * use here; answers milliseconds to wait when the shared window is full (0: go on to tryTake).
   */
  prepare?(endpoint: string): Promise<number>;
  /**
   * Milliseconds to wait before a request to `endpoint` may go; 0 means a slot was taken
   * now. Synchronous so two callers can never take the same slot.
   */
  tryTake(endpoint: string, at?: number): number;
  /**
   * The answer to a request taken at `takenAt` arrived: its slot now counts from the arrival.
   * The source counts requests when they reach it, somewhere between our send and its answer,
   * so counting from the answer keeps sliding windows on the safe side of the source's count.
   */
  settle(endpoint: string, takenAt: number): void;
  /** The source said "slow down" (429): nothing goes out for `ms`. */
  pause(ms: number): void;
  /** Milliseconds left of a 429 pause (0 when none). */
  pausedFor(): number;
  usage(): BudgetUsage[];
  /** Re-reads what is shared through the store, so `usage` shows every holder's figure. */
  refresh?(): Promise<void>;
};

export function createRequestBudget(windows: readonly BudgetWindow[], now: () => number): RequestBudget {
  // Timestamps of requests per (window, key); sliding windows drop the ones that aged out.
  const logs = new Map<string, number[]>();
  let pausedUntil = 0;
  const keyOf = (w: BudgetWindow, endpoint: string) => (w.perEndpoint ? `${w.name}|${endpoint}` : w.name);
  const windowStart = (w: BudgetWindow, t: number) =>
    w.kind === 'fixed' ? Math.floor(t / w.windowMs) * w.windowMs : t - w.windowMs;
  const live = (w: BudgetWindow, key: string, t: number): number[] => {
    const log = logs.get(key) ?? [];
    const start = windowStart(w, t);
    let drop = 0;
    while (drop < log.length && (log[drop] as number) <= start - (w.kind === 'fixed' ? 1 : 0)) drop++;
    const kept = drop ? log.slice(drop) : log;
    logs.set(key, kept);
    return kept;
  };
  return {
    tryTake(endpoint, at) {
      const t = at ?? now();
      if (pausedUntil > t) return pausedUntil - t;
      let wait = 0;
      for (const w of windows) {
        const log = live(w, keyOf(w, endpoint), t);
        if (log.length < w.limit) continue;
        const until =
          w.kind === 'fixed'
            ? windowStart(w, t) + w.windowMs - t
            : (log[log.length - w.limit] as number) + w.windowMs - t + 1;
        wait = Math.max(wait, until);
      }
      if (wait > 0) return wait;
      for (const w of windows) live(w, keyOf(w, endpoint), t).push(t);
      return 0;
    },
    settle(endpoint, takenAt) {
      const t = now();
      for (const w of windows) {
        if (w.kind !== 'sliding') continue;
        const log = logs.get(keyOf(w, endpoint));
        const at = log?.lastIndexOf(takenAt) ?? -1;
        if (!log || at < 0) continue;
        log[at] = Math.max(takenAt, t);
        log.sort((a, b) => a - b);
      }
    },
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, now() + ms);
    },
    pausedFor() {
      return Math.max(0, pausedUntil - now());
    },
    usage() {
      const t = now();
      return windows.map((w) => {
        let used = 0;
        if (w.perEndpoint) {
          for (const [key] of logs) {
            if (key.startsWith(`${w.name}|`)) used = Math.max(used, live(w, key, t).length);
          }
        } else used = live(w, w.name, t).length;
        return { window: w.name, used, limit: w.limit, windowMs: w.windowMs, kind: w.kind };
      });
    },
  };
}
