import { InvalidChangeFilterError } from './errors.ts';
import type { Change, ChangeFilter } from './port.ts';

/**
 * Refuses a filter without an explicit tenant scope (a JavaScript caller can bypass the type),
 * so forgetting the tenant is an error rather than every tenant's changes.
 */
export function checkChangeFilter(filter: ChangeFilter | undefined): ChangeFilter {
  const f = filter as { tenant?: unknown; allTenants?: unknown } | undefined;
  const scoped = typeof f?.tenant === 'string' && f.allTenants === undefined;
  const all = f?.allTenants === true && f.tenant === undefined;
  if (!scoped && !all)
    throw new InvalidChangeFilterError('a change filter needs either a tenant or allTenants: true');
  return filter as ChangeFilter;
}

/**
 * Whether a change passes a reader's filter. Adapters scan the log in seq order and
 * filter afterwards, so the scan position advances past changes a filter drops.
 */
export function matchesChangeFilter(change: Change, filter: ChangeFilter): boolean {
  if ('tenant' in filter && change.tenant !== filter.tenant) return false;
  if (filter.types && !filter.types.includes(change.type)) return false;
  if (filter.actions && !filter.actions.includes(change.action)) return false;
  if (
    filter.connections &&
    (change.connection === undefined || !filter.connections.includes(change.connection))
  )
    return false;
  if (filter.triggers && !change.triggers.some((t) => filter.triggers?.includes(t))) return false;
  return true;
}
