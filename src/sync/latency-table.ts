import type { CatalogRow } from '../connectors/connector.ts';

/**
 * The worst-case latency of a catalog row's changes at a cadence, computed from the catalog (the
 * docs print it; latency-table.test.ts keeps docs/sync.md in step). A change made just after a
 * poll read its row is seen by the next poll of that row: every run for every-run rows, and for a
 * paced row the first run after `pollEveryMs` has passed (at most one run interval later), when the
 * budget window's spare covers it (poll-plan.ts). The run's own time comes on top.
 */
export type RowLatency = {
  readonly pollEveryMs: number | undefined;
  readonly rows: readonly string[];
  readonly triggers: number;
  readonly worstCaseMs: number;
};

export function rowLatencies(catalog: readonly CatalogRow[], runIntervalMs: number): RowLatency[] {
  const groups = new Map<number | undefined, CatalogRow[]>();
  for (const row of catalog) {
    if (row.polledBy !== undefined) continue;
    const list = groups.get(row.pollEveryMs) ?? [];
    list.push(row);
    groups.set(row.pollEveryMs, list);
  }
  return [...groups.entries()]
    .map(([pollEveryMs, rows]) => ({
      pollEveryMs,
      rows: rows.map((r) => r.key),
      triggers: rows.reduce((n, r) => n + r.triggers.length, 0),
      worstCaseMs: (pollEveryMs ?? 0) + runIntervalMs,
    }))
    .sort((a, b) => a.worstCaseMs - b.worstCaseMs);
}

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

/** The table as docs/sync.md shows it. */
export function latencyTableMarkdown(catalog: readonly CatalogRow[], runIntervalMs: number): string {
  const lines = [
    '| rows | seed triggers | polled | worst-case latency |',
    '| ---- | ------------- | ------ | ------------------ |',
    ...rowLatencies(catalog, runIntervalMs).map(
      (g) =>
        `| ${g.rows.length}: ${g.rows.join(', ')} | ${g.triggers} | ${
          g.pollEveryMs === undefined
            ? `every run (${minutes(runIntervalMs)})`
            : `every ${minutes(g.pollEveryMs)}, when the hour's spare allows`
        } | ${minutes(g.worstCaseMs)} + run |`,
    ),
  ];
  return lines.join('\n');
}
