import type { Resource } from 'fhir/r4';
import type { IdentityScheme, SourceSystem } from '../fhir/identity.ts';
import { applyProvenance } from '../fhir/provenance.ts';
import { rewriteFhirReferences } from '../fhir/references.ts';
import { resolveBatchReferences } from './batch-references.ts';
import { isBlank } from './blank.ts';
import type { CompiledExpression } from './compile-expression.ts';
import { run, type TemplateNode } from './compile-template.ts';
import { reverseFhirReferences } from './reverse-references.ts';
import { MappingFailure, RUN_STATE, type RunState, type TemplateVars } from './run-state.ts';

/** One mapping file, compiled: everything but validation, which the mapping set adds. */
export type CompiledMapping = {
  /** Relative to the mappings directory, e.g. `jane/patient.yaml`. */
  readonly file: string;
  readonly source: SourceSystem;
  readonly entity: string;
  readonly target: string;
  readonly hasReverse: boolean;
  /** Native field of the reverse payload → the target's elements it is made from (reverse-sources.ts). */
  readonly reverseSources: ReadonlyMap<string, readonly string[]>;
  /**
   * The resources for a record, with provenance: one, or one per item of `each`; none when `when`
   * says no. Throws MappingFailure when the record cannot be mapped.
   */
  forward(record: unknown, state: RunState, fhirBaseUrl?: string): Resource[];
  /** The native write payload for a resource. Throws MappingFailure. */
  reverse(resource: Resource, state: RunState): Record<string, unknown>;
};

export type CompiledMappingParts = {
  readonly file: string;
  readonly source: SourceSystem;
  readonly entity: string;
  readonly target: string;
  readonly id: CompiledExpression;
  readonly qualifier: CompiledExpression | undefined;
  /** One resource per item (the loader makes sure a qualifier tells them apart). */
  readonly each: CompiledExpression | undefined;
  readonly when: CompiledExpression | undefined;
  readonly rewriteReferences: boolean;
  readonly template: TemplateNode;
  readonly reverseTemplate: TemplateNode | undefined;
  readonly reverseSources?: ReadonlyMap<string, readonly string[]>;
  readonly scheme: IdentityScheme;
};

export function assembleMapping(parts: CompiledMappingParts): CompiledMapping {
  const { target, entity, source, scheme } = parts;
  const label = (field: string) => `${target} (${field})`;

  const oneString = (expression: CompiledExpression, root: unknown, vars: TemplateVars, field: string) => {
    const result = run(expression, root, vars, label(field));
    if (result.length === 0) return undefined;
    const value = result[0];
    // Native ids are strings or integers (DrChrono's are numbers): integers are written in decimal.
    if (result.length === 1 && typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    if (result.length > 1 || typeof value !== 'string' || value === '') {
      throw new MappingFailure(`${field} must give one non-empty string or integer`, label(field));
    }
    return value;
  };

  /** One resource: the template run with `vars` (which hold `%item` under `each`), with provenance. */
  const one = (
    record: unknown,
    vars: TemplateVars,
    nativeId: string,
    state: RunState,
    fhirBaseUrl: string | undefined,
  ): Resource => {
    // Under `each`, an item whose qualifier gives nothing is the record's main resource: it keeps the
    // record's own identity (so its id survives a change of the other items). At most one item may:
    // two would share an id, which the caller refuses.
    const qualifier = parts.qualifier ? oneString(parts.qualifier, record, vars, 'qualifier') : undefined;
    const body = parts.template(record, vars);
    if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
      throw new MappingFailure('the template must give one object', target);
    }
    // resourceType first (readable output); the target wins over any resourceType in the body.
    const fields: Record<string, unknown> = { resourceType: target, ...(body as object | undefined) };
    fields.resourceType = target;
    let resource = fields as unknown as Resource;
    const scope = state.scope;
    if (!scope) throw new MappingFailure('a forward run needs a connection scope', target);
    if (parts.rewriteReferences) {
      resource = resolveBatchReferences(resource, target, state.resolveReference) as Resource;
      resource = rewriteFhirReferences(scope, resource, fhirBaseUrl);
    }
    try {
      return applyProvenance(scheme, resource, {
        ...scope,
        sourceType: entity,
        nativeId,
        ...(qualifier === undefined ? {} : { qualifier }),
      });
    } catch (error) {
      throw new MappingFailure(`provenance: ${(error as Error).message}`, label('id'));
    }
  };

  return {
    file: parts.file,
    source,
    entity,
    target,
    hasReverse: parts.reverseTemplate !== undefined,
    reverseSources: parts.reverseSources ?? new Map(),

    forward(record, state, fhirBaseUrl) {
      const vars: TemplateVars = { record, [RUN_STATE]: state };
      if (parts.when) {
        const keep = run(parts.when, record, vars, label('when'));
        if (!(keep.length === 1 && keep[0] === true)) return [];
      }
      const nativeId = oneString(parts.id, record, vars, 'id');
      if (nativeId === undefined)
        throw new MappingFailure('id must give one non-empty string or integer', label('id'));
      if (!parts.each) return [one(record, vars, nativeId, state, fhirBaseUrl)];
      // Blank strings are absent here too, as in a template's $each.
      const items = run(parts.each, record, vars, label('each')).filter((item) => !isBlank(item));
      const ids = new Set<string | undefined>();
      return items.map((item, index) => {
        const resource = one(record, { ...vars, item, index }, nativeId, state, fhirBaseUrl);
        if (ids.has(resource.id)) {
          throw new MappingFailure('qualifier must differ between the items of each', label('qualifier'));
        }
        ids.add(resource.id);
        return resource;
      });
    },

    reverse(resource, state) {
      const template = parts.reverseTemplate;
      if (!template) throw new MappingFailure(`${parts.file} has no reverse section`, target);
      const vars: TemplateVars = { record: resource, [RUN_STATE]: state };
      const payload = template(resource, vars);
      if (payload === undefined) return {};
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
        throw new MappingFailure('the reverse template must give one object', 'payload');
      }
      // A FHIR source takes FHIR back: its references go back to its own ids, as forward rewrote them.
      if (parts.rewriteReferences)
        return reverseFhirReferences(payload as Record<string, unknown>, state.resolveNativeId);
      return payload as Record<string, unknown>;
    },
  };
}
