import type { Change, ChangeFilter } from './port.ts';

/**
 * Whether a change passes a subscriber's filter. Adapters scan the log in seq order and
 * filter afterwards, so the scan position advances past changes a filter drops.
 */
export function matchesChangeFilter(change: Change, filter: ChangeFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.tenant !== undefined && change.tenant !== filter.tenant) return false;
  if (filter.types && !filter.types.includes(change.type)) return false;
  if (filter.actions && !filter.actions.includes(change.action)) return false;
  return true;
}
