import { type DocumentNode, Kind, type OperationDefinitionNode } from 'graphql';
import type { Scope } from '../auth/scopes.ts';

/** What an operation type needs by default; admin root fields need `admin` instead. */
const SCOPE_OF: Record<OperationDefinitionNode['operation'], Scope> = {
  query: 'read',
  mutation: 'write',
  subscription: 'subscribe',
};

/**
 * The scopes a request's operation needs, from its root fields: `read` for queries,
 * `write` for mutations, `subscribe` for subscriptions, `admin` for the root fields named in
 * `adminFields`; introspection and `__typename` need none beyond a valid key.
 */
export function scopesNeeded(
  document: DocumentNode,
  operationName: string | null | undefined,
  adminFields: ReadonlySet<string>,
): Set<Scope> {
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode =>
      d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName),
  );
  const needed = new Set<Scope>();
  if (!operation) return needed;
  const fragments = new Map(
    document.definitions.flatMap((d) =>
      d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [],
    ),
  );
  const visit = (selections: OperationDefinitionNode['selectionSet']['selections'], seen: Set<string>) => {
    for (const sel of selections) {
      if (sel.kind === Kind.FIELD) {
        const name = sel.name.value;
        if (name.startsWith('__')) continue;
        needed.add(adminFields.has(name) ? 'admin' : SCOPE_OF[operation.operation]);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        visit(sel.selectionSet.selections, seen);
      } else if (!seen.has(sel.name.value)) {
        seen.add(sel.name.value);
        visit(fragments.get(sel.name.value)?.selectionSet.selections ?? [], seen);
      }
    }
  };
  visit(operation.selectionSet.selections, new Set());
  return needed;
}
