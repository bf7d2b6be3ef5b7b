import type { Operation } from '../../connectors/connector.ts';
import type { SourceSystem } from '../../fhir/identity.ts';
import type { ActionDefinition, ActionKind, ActionStatus } from './action-definition.ts';

/**
 * A source's own decisions for its actions, as a connector exports them (e.g. DrChrono's
 * `src/connectors/drchrono/actions.ts`, kept by the engineer who builds those writes).
 */
export type SourceActionDecision = {
  readonly id: string;
  readonly seedName: string;
  readonly section: string;
  readonly kind: ActionKind;
  readonly resourceType?: string;
  /** Empty when there is none. */
  readonly graphqlField: string;
  readonly row?: string;
  readonly operation?: Operation;
  readonly namedOperation?: string;
  readonly status: ActionStatus;
  readonly reason?: string;
};

/**
 * The catalog's actions of one source with the source's own decisions in place of the catalog's
 * defaults, matched by seed name (seed names are unique per source), in the catalog's order. A
 * decision whose seed name the catalog lacks is an error: the catalog holds every seed action.
 */
export function overlayDecisions(
  source: SourceSystem,
  base: readonly ActionDefinition[],
  decisions: readonly SourceActionDecision[],
): ActionDefinition[] {
  const bySeedName = new Map(decisions.map((d) => [d.seedName, d]));
  const known = new Set(base.filter((a) => a.source === source).map((a) => a.seedName));
  for (const name of bySeedName.keys())
    if (!known.has(name)) throw new Error(`${source} decision for an unknown seed action: ${name}`);
  return base.map((action) => {
    const decision = action.source === source ? bySeedName.get(action.seedName) : undefined;
    return decision ? fromDecision(source, action.group, decision) : action;
  });
}

function fromDecision(source: SourceSystem, group: string, d: SourceActionDecision): ActionDefinition {
  const write =
    d.kind !== 'find' &&
    d.kind !== 'operation' &&
    d.operation &&
    d.operation !== 'read' &&
    d.operation !== 'search'
      ? d.operation
      : undefined;
  return {
    id: d.id,
    source,
    seedName: d.seedName,
    group,
    kind: d.kind,
    status: d.status,
    ...(d.reason ? { reason: d.reason } : {}),
    ...(d.graphqlField ? { field: d.graphqlField } : {}),
    ...(d.resourceType ? { fhirType: d.resourceType } : {}),
    ...(d.row ? { row: d.row } : {}),
    ...(write ? { write } : {}),
    ...(write && write !== 'delete' ? { payload: 'reverse-mapping' as const } : {}),
    ...(d.namedOperation ? { operation: d.namedOperation } : {}),
  };
}
