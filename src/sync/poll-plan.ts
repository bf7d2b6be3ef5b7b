/**
 * Which catalog rows a run polls. Rows without `pollEveryMs` (the trigger rows and the reference
 * data they point at) are polled every run: their latency promise is the cadence. Paced rows
 * (DrChrono's chart) are polled when due (never polled, or `pollEveryMs` since their last poll)
 * and only when the budget window's spare allows it: the every-run rows' cost is reserved for this
 * run and for every run left in the window, and the due paced rows take what remains, most overdue
 * first (never-polled rows first), so none starves while another is polled twice. A paced row's
 * backfill (its first run) goes regardless of the spare: it happens once. Pure: the plan
 * is data, unit-tested over simulated hours (poll-plan.test.ts).
 */

export type PlannedRow = {
  readonly key: string;
  /** undefined: every run. */
  readonly pollEveryMs?: number | undefined;
  /** When the row's last successful poll started (ms since epoch); undefined: never, or its last poll failed. */
  readonly lastPolledAt?: number | undefined;
  /** Requests its last poll took (its estimate for this one); undefined: unknown (counted as 1). */
  readonly lastRequests?: number | undefined;
  /** Its first run (the backfill) has not completed yet. */
  readonly backfilling?: boolean | undefined;
};

/** The connection's request budget in its longest window (DrChrono: 490 per clock hour). */
export type PlanBudget = {
  readonly used: number;
  readonly limit: number;
  /** A fixed window, reset at multiples of this (DrChrono's resets at the top of the hour). */
  readonly windowMs: number;
};

export type PlanInput = {
  readonly now: number;
  readonly rows: readonly PlannedRow[];
  /** Absent: the source has no budget to pace by (every due row is polled). */
  readonly budget?: PlanBudget | undefined;
  /** Time between two runs of the connection (its cadence). */
  readonly runIntervalMs: number;
};

export type RunPlan = {
  /** Row keys to poll this run. */
  readonly poll: ReadonlySet<string>;
  /** Due paced rows left for a later run because the window's spare did not cover them. */
  readonly deferred: readonly string[];
  /** What the plan expects this run to cost, and what the window keeps for the every-run rows. */
  readonly expectedRequests: number;
  readonly reserved: number;
};

const cost = (row: PlannedRow) => Math.max(1, row.lastRequests ?? 1);

export function planRun(input: PlanInput): RunPlan {
  const { now, rows, budget, runIntervalMs } = input;
  const everyRun = rows.filter((r) => r.pollEveryMs === undefined);
  const poll = new Set(everyRun.map((r) => r.key));
  const perRun = everyRun.reduce((sum, r) => sum + cost(r), 0);
  const due = rows
    .filter((r) => r.pollEveryMs !== undefined)
    .filter((r) => r.lastPolledAt === undefined || now - r.lastPolledAt >= (r.pollEveryMs ?? 0))
    // Most overdue first; never polled before everything.
    .map((r) => ({
      row: r,
      overdue:
        r.lastPolledAt === undefined ? Number.POSITIVE_INFINITY : now - r.lastPolledAt - (r.pollEveryMs ?? 0),
    }))
    .sort((a, b) => b.overdue - a.overdue || a.row.key.localeCompare(b.row.key))
    .map((d) => d.row);
  if (!budget) {
    for (const r of due) poll.add(r.key);
    return {
      poll,
      deferred: [],
      expectedRequests: perRun + due.reduce((s, r) => s + cost(r), 0),
      reserved: perRun,
    };
  }
  // Runs still to come in this window after this one each need the every-run rows' share.
  const windowEnd = (Math.floor(now / budget.windowMs) + 1) * budget.windowMs;
  const runsLeft = Math.max(0, Math.ceil((windowEnd - now) / Math.max(1, runIntervalMs)) - 1);
  const reserved = perRun * (1 + runsLeft);
  let spare = budget.limit - budget.used - reserved;
  let expected = perRun;
  const deferred: string[] = [];
  for (const r of due) {
    // A backfill is a one-time cost the store needs filled: it goes even without spare.
    if (r.backfilling) {
      poll.add(r.key);
      expected += cost(r);
    } else if (cost(r) <= spare) {
      poll.add(r.key);
      spare -= cost(r);
      expected += cost(r);
    } else deferred.push(r.key);
  }
  return { poll, deferred, expectedRequests: expected, reserved };
}
