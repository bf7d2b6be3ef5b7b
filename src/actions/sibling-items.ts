import type { CatalogRow, ConnectorSession } from '../connectors/connector.ts';
import { ActionError } from './action-error.ts';
import { isObject } from './merge-patch.ts';

type Item = Record<string, unknown>;

/**
 * The update body to send when the row's `itemsPerResource` list is in it: the source replaces
 * that list whole, but the resource being updated stands for only some of its items (one Jane
 * reading, or a blood pressure's two). The source's current list is read and only the items this
 * resource stood for (`before`, matched by key) are replaced, in place; the record's other items
 * (its sibling resources) are sent back as they are, with their ids.
 */
export async function withSiblingItems(
  session: ConnectorSession,
  row: CatalogRow,
  nativeId: string,
  before: Record<string, unknown> | undefined,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const spec = row.itemsPerResource;
  if (!spec || !Array.isArray(body[spec.field])) return body;
  const current = await session.read(row, nativeId);
  if (!isObject(current))
    throw new ActionError('NOT_FOUND', `${row.key} ${nativeId} is no longer in the source`);
  const items = mergeItems(
    listOf(current[spec.field]),
    listOf(before?.[spec.field]),
    body[spec.field] as Item[],
    spec.key,
  );
  return { ...body, [spec.field]: items };
}

/** `current` with the items keyed like `replaced` swapped for `incoming` (keeping their ids), at the first one's place. */
export function mergeItems(
  current: readonly Item[],
  replaced: readonly Item[],
  incoming: readonly Item[],
  key: string,
): Item[] {
  const mine = new Set(replaced.map((item) => item[key]));
  const idOf = new Map(current.filter((item) => mine.has(item[key])).map((item) => [item[key], item.id]));
  const fresh = incoming.map((item) =>
    item.id === undefined && idOf.get(item[key]) !== undefined ? { ...item, id: idOf.get(item[key]) } : item,
  );
  const merged: Item[] = [];
  let placed = false;
  for (const item of current) {
    if (!mine.has(item[key])) merged.push(item);
    else if (!placed) {
      merged.push(...fresh);
      placed = true;
    }
  }
  if (!placed) merged.push(...fresh);
  return merged;
}

const listOf = (value: unknown): Item[] => (Array.isArray(value) ? value.filter(isObject) : []);
