import { describe, expect, it } from 'vitest';
import { scanWithoutGaps } from './change-page.ts';
import { CursorExpiredError } from './errors.ts';

/** A change log in memory whose scans can change it first, the way a concurrent prune or insert would. */
function log(seqs: number[], floor = 0) {
  const state = { seqs: [...seqs], floor, beforeScan: [] as Array<() => void> };
  return {
    state,
    floor: () => state.floor,
    scan: (from: number, limit: number) => {
      state.beforeScan.shift()?.();
      return state.seqs.filter((s) => s > from).slice(0, limit);
    },
    seqOf: (s: number) => s,
  };
}
const prune = (l: ReturnType<typeof log>, upTo: number) => () => {
  l.state.floor = upTo;
  l.state.seqs = l.state.seqs.filter((s) => s > upTo);
};

describe('scanWithoutGaps', () => {
  it('answers a dense page from the position on', async () => {
    expect(await scanWithoutGaps(log([1, 2, 3, 4]), 1, 2)).toEqual({ rows: [2, 3], from: 1 });
    expect(await scanWithoutGaps(log([5, 6], 4), undefined, 10)).toEqual({ rows: [5, 6], from: 4 });
  });

  it('expires a cursor when a prune passes it during the scan, never answering past the gap', async () => {
    const l = log([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    l.state.beforeScan.push(prune(l, 7));
    await expect(scanWithoutGaps(l, 2, 100)).rejects.toBeInstanceOf(CursorExpiredError);
  });

  it('restarts a reader without a cursor from the floor a prune raised under it', async () => {
    const l = log([1, 2, 3, 4, 5]);
    l.state.beforeScan.push(prune(l, 3));
    expect(await scanWithoutGaps(l, undefined, 100)).toEqual({ rows: [4, 5], from: 3 });
  });

  it('cuts a page at a hole that is not a prune (a seq still being inserted) and answers the rest later', async () => {
    expect(await scanWithoutGaps(log([1, 2, 4, 5]), 0, 100)).toEqual({ rows: [1, 2], from: 0 });
  });

  it('re-reads when the next seq is not visible yet, and reports a hole that stays', async () => {
    const l = log([1, 3]);
    l.state.beforeScan.push(
      () => {},
      () => l.state.seqs.splice(1, 0, 2),
    );
    expect(await scanWithoutGaps(l, 0, 100)).toEqual({ rows: [1], from: 0 });
    expect(await scanWithoutGaps(l, 1, 100)).toEqual({ rows: [2, 3], from: 1 });
    await expect(scanWithoutGaps(log([1, 3]), 1, 100)).rejects.toThrow('seq 2 is missing');
  });
});
