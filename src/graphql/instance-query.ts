import { type DocumentNode, Kind, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { FHIR_ID_PATTERN } from '../fhir/resource-id-check.ts';

/** `[base]/[Type]/[id]/$graphql`: the resource the query is about. */
export type InstanceFocus = { readonly type: string; readonly id: string };

const INSTANCE_PATH = /\/([A-Z][A-Za-z]{0,63})\/([^/]+)\/\$graphql$/;

/** The focus named by an instance-level path, or undefined for any other path. */
export function instanceFocusFromPath(
  pathname: string,
  resourceTypes: readonly string[],
): InstanceFocus | undefined {
  const match = INSTANCE_PATH.exec(pathname);
  if (!match?.[1] || !match[2]) return undefined;
  const id = decodeURIComponent(match[2]);
  if (!resourceTypes.includes(match[1]) || !FHIR_ID_PATTERN.test(id)) return undefined;
  return { type: match[1], id };
}

/**
 * An instance-level query has the focus resource's fields at its root. It runs as the system-level
 * query `{ Type(id: "…") { <the query's selections> } }` (so validation, limits, the read scope and
 * tenant isolation are the same code path), and unwrapInstanceResult lifts the answer back up.
 */
export function wrapInstanceQuery(document: DocumentNode, focus: InstanceFocus): DocumentNode {
  return {
    ...document,
    definitions: document.definitions.map((definition) => {
      if (definition.kind !== Kind.OPERATION_DEFINITION || definition.operation !== 'query')
        return definition;
      const wrapped: OperationDefinitionNode = {
        ...definition,
        selectionSet: wrapSelection(definition.selectionSet, focus),
      };
      return wrapped;
    }),
  };
}

function wrapSelection(selectionSet: SelectionSetNode, focus: InstanceFocus): SelectionSetNode {
  return {
    kind: Kind.SELECTION_SET,
    selections: [
      {
        kind: Kind.FIELD,
        name: { kind: Kind.NAME, value: focus.type },
        arguments: [
          {
            kind: Kind.ARGUMENT,
            name: { kind: Kind.NAME, value: 'id' },
            value: { kind: Kind.STRING, value: focus.id },
          },
        ],
        selectionSet,
      },
    ],
  };
}

/** `{ Patient: {...} }` → `{...}`; error paths lose their first segment so they point into the focus. */
export function unwrapInstanceData(
  data: Record<string, unknown> | null | undefined,
  focus: InstanceFocus,
): Record<string, unknown> | null {
  const inner = data?.[focus.type];
  return inner && typeof inner === 'object' ? (inner as Record<string, unknown>) : null;
}
