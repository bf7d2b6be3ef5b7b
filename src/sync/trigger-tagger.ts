import type { Resource } from 'fhir/r4';
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import type { CatalogRow, TriggerDefinition } from '../connectors/connector.ts';
import type { ChangeAction } from '../store/port.ts';
import type { TriggerTagger } from './write-page.ts';

type CompiledTrigger = {
  readonly id: string;
  /** The trigger's resource type and its `alsoOn` types. */
  readonly types: ReadonlySet<string>;
  readonly kinds: ReadonlySet<ChangeAction>;
  readonly criteria: ((resource: Resource) => unknown[]) | undefined;
};

/**
 * The tagger for one catalog row: a change satisfies a trigger when the trigger is served by the
 * row, names the change's resource type (or has it in `alsoOn`) and kind, and its FHIRPath
 * criteria (data, compiled once here) is true on the stored resource. `leadTypes` are the
 * triggers' own resource types: writePage writes them first within a record, so that when they
 * changed they carry the trigger rather than an `alsoOn` sibling (once per record).
 */
export function createTriggerTagger(triggers: readonly TriggerDefinition[], row: CatalogRow): TriggerTagger {
  const served = triggers.filter((trigger) => trigger.row === row.key && trigger.source === row.source);
  const compiled: CompiledTrigger[] = served.map((trigger) => ({
    id: trigger.id,
    types: new Set([trigger.resourceType, ...(trigger.alsoOn ?? [])]),
    kinds: new Set(trigger.kinds),
    criteria:
      trigger.criteria === undefined
        ? undefined
        : (fhirpath.compile(trigger.criteria, r4Model) as (resource: Resource) => unknown[]),
  }));
  const tag = (type: string, action: ChangeAction, resource: Resource) => {
    const ids: string[] = [];
    for (const trigger of compiled) {
      if (!trigger.types.has(type) || !trigger.kinds.has(action)) continue;
      if (trigger.criteria && !isTrue(trigger.criteria(resource))) continue;
      ids.push(trigger.id);
    }
    return ids;
  };
  return Object.assign(tag, { leadTypes: new Set(served.map((trigger) => trigger.resourceType)) });
}

/** FHIRPath truthiness of a criteria result: exactly `[true]`. */
function isTrue(result: unknown[]): boolean {
  return result.length === 1 && result[0] === true;
}
