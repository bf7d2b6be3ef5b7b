import type { OperationOutcomeIssue, Resource } from 'fhir/r4';
import type { FhirDefinitions } from '../fhir/definitions.ts';
import type { SourceSystem } from '../fhir/identity.ts';
import { errorIssues } from '../fhir/operation-outcome.ts';
import type { ConnectionScope } from '../fhir/references.ts';
import { validateResource } from '../fhir/validate-resource.ts';
import type { CompiledMapping } from './compile-mapping.ts';
import { MappingFailure, type NativeIdResolver, type RunState } from './run-state.ts';

export type MapFailure = { ok: false; reason: string; path: string; mapping: string };
export type MapResult =
  | { ok: true; resources: Resource[]; warnings: OperationOutcomeIssue[] }
  | { ok: false; skipped: true }
  | MapFailure;

export type ReverseResult =
  | { ok: true; payload: Record<string, unknown> }
  | { ok: false; reason: string; path: string };

export type ReverseOptions = {
  /**
   * Answers `nativeId(reference)`: the native id behind a gateway reference (the gateway reads the
   * referenced resource from the store, see nativeIdFromResource). Without it, a reverse template
   * that writes a reference fails.
   */
  readonly resolveNativeId?: NativeIdResolver;
};

export type ForwardOptions = {
  /** The FHIR base URL of a FHIR source, so absolute references to it are rewritten too. */
  readonly fhirBaseUrl?: string;
  /**
   * The connection's IANA time zone (e.g. `America/Chicago`): native date-times without an offset
   * (DrChrono, Jane wall-clock fields) are read in it by `instant(x)`. Default UTC. Connectors and the
   * sync pass the office's / clinic's zone.
   */
  readonly timeZone?: string;
  /**
   * ISO 4217 code of the connection's money amounts when records carry none (Jane: the clinic's
   * country decides, CAD or USD). `currency()` in a mapping gives it; without it, no currency.
   */
  readonly currency?: string;
  /**
   * FHIR sources (Epic Bundles, Bulk Data): answers `Type/<native id>` for a `urn:uuid:` fullUrl or a
   * conditional reference (`Practitioner?identifier=system|value`), from the batch being mapped
   * (batchReferenceResolver) or the store. Without it, or unanswered, such a reference fails the
   * record with a reason that says so.
   */
  readonly resolveReference?: (reference: string) => string | undefined;
};

/** The loaded mappings (docs/mapping-format.md, "Engine API"). */
export type MappingSet = {
  /** Native entities this set maps for a source. */
  entities(source: SourceSystem): string[];
  /** The compiled mappings of one entity (one per output resource), for tools and benchmarks. */
  mappingsFor(source: SourceSystem, entity: string): readonly CompiledMapping[];
  /** Maps one native record; never throws for a bad record. */
  forward(
    source: SourceSystem,
    entity: string,
    record: unknown,
    scope: ConnectionScope,
    options?: ForwardOptions,
  ): MapResult;
  /** The native write payload for a resource; never throws. */
  reverse(source: SourceSystem, entity: string, resource: Resource, options?: ReverseOptions): ReverseResult;
};

export function createMappingSet(mappings: readonly CompiledMapping[], defs: FhirDefinitions): MappingSet {
  const byEntity = new Map<string, CompiledMapping[]>();
  for (const mapping of mappings) {
    const key = `${mapping.source}:${mapping.entity}`;
    byEntity.set(key, [...(byEntity.get(key) ?? []), mapping]);
  }
  const mappingsFor = (source: string, entity: string) => byEntity.get(`${source}:${entity}`) ?? [];

  return {
    entities(source) {
      return [...new Set(mappings.filter((m) => m.source === source).map((m) => m.entity))].sort();
    },

    mappingsFor,

    forward(source, entity, record, scope, options = {}) {
      const found = mappingsFor(source, entity);
      if (found.length === 0) {
        return { ok: false, reason: `no mapping for ${source}:${entity}`, path: '', mapping: '' };
      }
      if (typeof record !== 'object' || record === null || Array.isArray(record)) {
        return {
          ok: false,
          reason: 'the record is not a JSON object',
          path: '',
          mapping: found[0]?.file ?? '',
        };
      }
      const resources: Resource[] = [];
      const warnings: OperationOutcomeIssue[] = [];
      for (const mapping of found) {
        const state: RunState = {
          scope,
          warnings,
          path: mapping.target,
          ...(options.timeZone ? { timeZone: options.timeZone } : {}),
          ...(options.currency ? { currency: options.currency } : {}),
          ...(options.resolveReference ? { resolveReference: options.resolveReference } : {}),
        };
        let produced: Resource[];
        try {
          produced = mapping.forward(record, state, options.fhirBaseUrl);
        } catch (error) {
          return failure(error, state.path, mapping.file);
        }
        for (const resource of produced) {
          const outcome = validateResource(defs, resource);
          const errors = errorIssues(outcome);
          if (errors.length > 0) {
            return {
              ok: false,
              reason: `invalid FHIR R4: ${errors.map(issueText).join('; ')}`,
              path: errors[0]?.expression?.[0] ?? mapping.target,
              mapping: mapping.file,
            };
          }
          warnings.push(...outcome.issue.filter((issue) => issue.severity === 'warning'));
          resources.push(resource);
        }
      }
      return resources.length === 0 ? { ok: false, skipped: true } : { ok: true, resources, warnings };
    },

    reverse(source, entity, resource, options = {}) {
      const mapping = mappingsFor(source, entity).find(
        (m) => m.target === resource.resourceType && m.hasReverse,
      );
      if (!mapping) {
        return {
          ok: false,
          reason: `no reverse mapping for ${source}:${entity} from ${resource.resourceType}`,
          path: '',
        };
      }
      const state: RunState = {
        scope: undefined,
        warnings: [],
        path: 'payload',
        ...(options.resolveNativeId ? { resolveNativeId: options.resolveNativeId } : {}),
      };
      try {
        return { ok: true, payload: mapping.reverse(resource, state) };
      } catch (error) {
        const { reason, path } = failure(error, state.path, mapping.file);
        return { ok: false, reason, path };
      }
    },
  };
}

function failure(error: unknown, path: string, mapping: string): MapFailure {
  if (error instanceof MappingFailure) return { ok: false, reason: error.message, path: error.path, mapping };
  // An unexpected error is still a failure of this record, never of the page; its name only (no data).
  return { ok: false, reason: `internal error (${(error as Error)?.name ?? 'unknown'})`, path, mapping };
}

function issueText(issue: OperationOutcomeIssue): string {
  return issue.diagnostics ?? issue.details?.text ?? issue.code;
}
