import type { GraphQLSchema } from 'graphql';
import type { CatalogRow, Connector } from '../../connectors/connector.ts';
import type { MappingSet } from '../../mapping/mapping-set.ts';
import { findWriteTargets, type WriteKind } from '../write-targets.ts';
import type { ActionDefinition, ActionStatus } from './action-definition.ts';

/** What decides whether a declared action really is there: the built schema, the connectors, the mappings. */
export type ActionEnvironment = {
  /** Root field names of the built schema (Query and Mutation). */
  readonly rootFields: ReadonlySet<string>;
  readonly connectors: readonly Pick<Connector, 'source' | 'catalog' | 'operations' | 'createRow'>[];
  readonly mappings: Pick<MappingSet, 'mappingsFor'>;
};

/** An action as it stands: its status checked against the environment, the declared one kept beside it. */
export type ResolvedAction = ActionDefinition & { readonly declaredStatus: ActionStatus };

export function rootFieldsOf(schema: GraphQLSchema): Set<string> {
  return new Set([
    ...Object.keys(schema.getQueryType()?.getFields() ?? {}),
    ...Object.keys(schema.getMutationType()?.getFields() ?? {}),
  ]);
}

/**
 * Resolves every declared action against what is built: an `available` or `alternative` action
 * whose field, catalog row, row operation, mapping or named operation is missing is reported
 * `not_yet_available`, with the missing part as its reason. The catalog can therefore never claim
 * more than the gateway does, and it catches up by itself as parts land.
 */
export function resolveActions(
  actions: readonly ActionDefinition[],
  env: ActionEnvironment,
): ResolvedAction[] {
  return actions.map((action) => {
    const missing =
      action.status === 'available' || action.status === 'alternative' ? missingPart(action, env) : undefined;
    return missing === undefined
      ? { ...action, declaredStatus: action.status }
      : { ...action, declaredStatus: action.status, status: 'not_yet_available', reason: missing };
  });
}

function missingPart(action: ActionDefinition, env: ActionEnvironment): string | undefined {
  const { field, source } = action;
  if (!field) return 'no GraphQL field is declared for it';
  if (!env.rootFields.has(field)) return `the field ${field} is not in the schema yet`;
  const connector = env.connectors.find((c) => c.source === source);
  if (action.operation) {
    const op = connector?.operations?.find((o) => o.id === action.operation);
    if (!op) return `the named operation ${action.operation} is not built yet`;
    if (op.graphqlField !== field)
      return `the named operation ${action.operation} is served by ${op.graphqlField}`;
    return undefined;
  }
  if (!action.row) return undefined;
  const row = connector?.catalog.find((r) => r.key === action.row);
  if (!row) return `the ${source} connector has no ${action.row} row yet`;
  const targets = env.mappings.mappingsFor(source, row.entity).filter((m) => m.target === action.fhirType);
  if (action.kind === 'find') {
    // `X(id)` reads by id; an `XList` find (a search) needs the row to be searchable instead.
    const needs = field === `${action.fhirType}List` ? 'search' : 'read';
    if (!row.operations.includes(needs))
      return `the ${source} ${row.key} row cannot ${needs === 'read' ? 'read by id' : 'be searched'}`;
    if (targets.length === 0) return `no mapping of ${source}:${row.entity} to ${action.fhirType} yet`;
    return undefined;
  }
  if (action.write) {
    if (!row.operations.includes(action.write))
      return `the ${source} ${row.key} row does not offer ${action.write}`;
    if (action.payload === 'reverse-mapping' && !targets.some((m) => m.hasReverse))
      return `no write-back (reverse) mapping of ${action.fhirType} to ${source}:${row.entity} yet`;
    // An update or delete goes to the row the stored resource names; a create to the row the
    // connector routes it to (createRow) or, without routing, the first row that can make it.
    if (action.write !== 'create' || connector?.createRow) return undefined;
    const routed = findWriteTargets(env.connectors, env.mappings as MappingSet).find(
      (t) => t.source === source && t.type === action.fhirType && t.kinds.has(action.write as WriteKind),
    )?.row.key;
    if (routed !== undefined && routed !== row.key)
      return `${field} on ${source} goes to the ${routed} row: routing it to ${row.key} is not built yet`;
  }
  return undefined;
}

/** The row's actions by this catalog (what CatalogRow.actions must list). */
export function actionIdsOfRow(
  actions: readonly ActionDefinition[],
  row: Pick<CatalogRow, 'source' | 'key'>,
) {
  return actions.filter((a) => a.source === row.source && a.row === row.key).map((a) => a.id);
}
