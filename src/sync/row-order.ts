import type { CatalogRow } from '../connectors/connector.ts';

/**
 * Catalog rows in an order where every row comes after the rows it depends on (Epic's
 * patient-scoped rows after `Patient`), otherwise in catalog order. A dependency on a row
 * that is not in the catalog, or a cycle, is a catalog bug and throws with the row keys.
 */
export function orderRows(rows: readonly CatalogRow[]): CatalogRow[] {
  const byKey = new Map(rows.map((row) => [row.key, row]));
  const ordered: CatalogRow[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (row: CatalogRow, path: readonly string[]) => {
    const seen = state.get(row.key);
    if (seen === 'done') return;
    if (seen === 'visiting')
      throw new Error(`catalog rows depend on each other in a cycle: ${[...path, row.key].join(' -> ')}`);
    state.set(row.key, 'visiting');
    for (const dependency of row.dependsOn ?? []) {
      const target = byKey.get(dependency);
      if (!target) throw new Error(`catalog row ${row.key} depends on unknown row ${dependency}`);
      visit(target, [...path, row.key]);
    }
    state.set(row.key, 'done');
    ordered.push(row);
  };
  for (const row of rows) visit(row, []);
  return ordered;
}
