import type { OperationOutcomeIssue } from 'fhir/r4';
import type { ConnectionScope } from '../fhir/references.ts';

/**
 * What one mapping run carries besides the record: the connection scope (for ref/gatewayId), the
 * warnings raised so far and the template path being evaluated (for messages). It travels inside
 * the FHIRPath environment under a symbol key, so user functions can reach it through `this.vars`
 * while no FHIRPath expression can name it.
 */
export type RunState = {
  /** The connection of a forward run; absent in reverse runs, where gateway ids make no sense. */
  readonly scope: ConnectionScope | undefined;
  readonly warnings: OperationOutcomeIssue[];
  /** Template path of the value being evaluated, e.g. `Patient.telecom.use`. */
  path: string;
  /** Answers `nativeId(reference)` in reverse runs; absent when the caller gave no resolver. */
  readonly resolveNativeId?: NativeIdResolver;
  /**
   * IANA zone of the connection's wall-clock times (DrChrono office, Jane clinic): `instant(x)` without
   * a zone argument reads offset-less text in it. UTC when absent.
   */
  readonly timeZone?: string;
  /** ISO 4217 currency of the connection's amounts where the source does not say (Jane). */
  readonly currency?: string;
  /** FHIR sources: `Type/id` behind a fullUrl (urn:uuid) or conditional reference (batch-references.ts). */
  readonly resolveReference?: (reference: string) => string | undefined;
};

/**
 * The native id behind a gateway reference (`Type/<gateway id>`), or undefined when it is unknown.
 * The gateway reads the referenced resource and takes its native-id identifier (native-id.ts).
 */
export type NativeIdResolver = (reference: string) => string | number | undefined;

export const RUN_STATE: unique symbol = Symbol('mapping run state');

/** FHIRPath environment variables of one evaluation: `%record`, `%item`, fragment params… */
export type TemplateVars = Record<string, unknown> & { [RUN_STATE]: RunState };

/**
 * A record that cannot be mapped, raised anywhere inside a run and turned into a MapResult failure.
 * The message names paths, fields and ConceptMap ids, never values (they may be PHI).
 */
export class MappingFailure extends Error {
  override name = 'MappingFailure';
  readonly path: string;
  constructor(message: string, path: string) {
    super(message);
    this.path = path;
  }
}
