import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DRCHRONO_CATALOG } from '../connectors/drchrono/catalog.ts';
import { DRCHRONO_TRIGGERS } from '../connectors/drchrono/triggers.ts';
import { latencyTableMarkdown, rowLatencies } from './latency-table.ts';

const FIVE_MIN = 300_000;

describe('worst-case latency per DrChrono row at the default cadence', () => {
  it('keeps every seed trigger on an every-run row (5 min), chart rows at 20 or 65 min', () => {
    const groups = rowLatencies(DRCHRONO_CATALOG, FIVE_MIN);
    expect(groups.map((g) => [g.pollEveryMs, g.worstCaseMs, g.triggers])).toEqual([
      [undefined, FIVE_MIN, DRCHRONO_TRIGGERS.length],
      [900_000, 1_200_000, 0],
      [3_600_000, 3_900_000, 0],
    ]);
  });

  it('is what docs/sync.md prints', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../docs/sync.md'), 'utf8');
    // Cells compared trimmed: the docs' formatter pads the columns.
    const cells = (text: string) =>
      text
        .split('\n')
        .map((line) =>
          line
            .split('|')
            .map((cell) => cell.trim().replace(/^-+$/, '-'))
            .join('|'),
        )
        .join('\n');
    expect(cells(doc)).toContain(cells(latencyTableMarkdown(DRCHRONO_CATALOG, FIVE_MIN)));
  });
});
