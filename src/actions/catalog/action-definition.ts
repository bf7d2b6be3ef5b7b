import type { Operation } from '../../connectors/connector.ts';
import type { SourceSystem } from '../../fhir/identity.ts';

/** What a seed action does, as the catalog counts it. */
export const ACTION_KINDS = ['create', 'find', 'update', 'delete', 'operation'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/**
 * - `available`: the GraphQL field exists and does what the seed action does.
 * - `alternative`: the source's real API lacks the seed's exact call; the field does the faithful
 *   equivalent it offers (the reason says what and why).
 * - `unsupported_by_source`: the source's real API cannot do it at all (the reason says what to use instead).
 * - `not_yet_available`: the source could, the gateway does not yet (the reason says what is missing).
 */
export const ACTION_STATUSES = [
  'available',
  'alternative',
  'unsupported_by_source',
  'not_yet_available',
] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

/**
 * One seed action as declared (the intent). Whether an `available`/`alternative` action really is
 * so is decided against the built schema, the connector catalogs and the mappings
 * (resolve-actions.ts), so the catalog never claims a field that is not there.
 */
export type ActionDefinition = {
  /** `<source>.<thing>.<verb>`, e.g. `jane.observation.create`, `drchrono.patients.read`. */
  readonly id: string;
  readonly source: SourceSystem;
  /** The seed page's name for it, verbatim (e.g. "Create Observation"). */
  readonly seedName: string;
  /** The seed page's section (e.g. "Care Plans", "Patient Management"). */
  readonly group: string;
  readonly kind: ActionKind;
  readonly status: ActionStatus;
  /** Why, when not `available` (no PHI; names fields, endpoints, codes). */
  readonly reason?: string;
  /** The GraphQL root field that serves it (`XCreate`, `X`, a named operation's field). */
  readonly field?: string;
  /** The FHIR type read or written. */
  readonly fhirType?: string;
  /** The connector catalog row it goes through. */
  readonly row?: string;
  /** The row operation a create/update/delete performs (patch for the seeds' "partially updates"). */
  readonly write?: Exclude<Operation, 'read' | 'search'>;
  /** For `operation` kinds: the NamedOperation id (src/connectors/<source>/operations.ts). */
  readonly operation?: string;
  /** How the write payload is made: a reverse mapping (native sources) or the FHIR resource itself (Epic). */
  readonly payload?: 'reverse-mapping' | 'fhir-resource';
};
