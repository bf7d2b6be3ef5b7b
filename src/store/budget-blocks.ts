import type { BudgetReservation, BudgetWindowSpec } from './port.ts';

/** A reserved block of slots: `size` slots counted in its window until `countsUntil` (store clock). */
export type BudgetBlock = { readonly size: number; readonly countsUntil: number };

/**
 * When a block reserved at `at` stops counting and how long its slots may be used. A fixed
 * window's blocks belong to the window they were reserved in (usable and counted until it ends);
 * a sliding window's slots are usable for `holdMs` and count for a whole window after that, so a
 * slot used at the last moment still counts for the window that follows it.
 */
export function blockTimes(
  window: BudgetWindowSpec,
  at: number,
): { countsUntil: number; usableForMs: number } {
  if (window.kind === 'fixed') {
    const end = (Math.floor(at / window.windowMs) + 1) * window.windowMs;
    return { countsUntil: end, usableForMs: end - at };
  }
  return { countsUntil: at + window.holdMs + window.windowMs, usableForMs: window.holdMs };
}

/** The blocks still counting at `at`, and their total. */
export function liveUse(blocks: readonly BudgetBlock[], at: number): { used: number; live: BudgetBlock[] } {
  const live = blocks.filter((b) => b.countsUntil > at);
  return { used: live.reduce((n, b) => n + b.size, 0), live };
}

/** What a reservation of `want` slots gets, given the blocks that count now (the grant not yet added). */
export function decideReservation(
  window: BudgetWindowSpec,
  blocks: readonly BudgetBlock[],
  at: number,
  want: number,
): BudgetReservation {
  const { used, live } = liveUse(blocks, at);
  const granted = Math.max(0, Math.min(want, window.limit - used));
  const { usableForMs } = blockTimes(window, at);
  if (granted > 0) return { granted, used: used + granted, usableForMs, retryAfterMs: 0 };
  // Full: room comes back when the block that stops counting first does (a fixed window: its end).
  const first = Math.min(...live.map((b) => b.countsUntil));
  return {
    granted: 0,
    used,
    usableForMs: 0,
    retryAfterMs: Math.max(1, (Number.isFinite(first) ? first : at + 1) - at),
  };
}
