import type { Resource } from 'fhir/r4';
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import type { CatalogRow, TriggerDefinition } from '../connectors/connector.ts';
import type { ChangeAction } from '../store/port.ts';
import type { TriggerTagger } from './write-page.ts';

type CompiledTrigger = {
  readonly id: string;
  readonly resourceType: string;
  readonly kinds: ReadonlySet<ChangeAction>;
  readonly criteria: ((resource: Resource) => unknown[]) | undefined;
};

/**
 * The tagger for one catalog row: a change satisfies a trigger when the trigger is served by the
 * row, names the change's resource type and kind, and its FHIRPath criteria (data, compiled once
 * here) is true on the stored resource.
 */
export function createTriggerTagger(triggers: readonly TriggerDefinition[], row: CatalogRow): TriggerTagger {
  const compiled: CompiledTrigger[] = triggers
    .filter((trigger) => trigger.row === row.key && trigger.source === row.source)
    .map((trigger) => ({
      id: trigger.id,
      resourceType: trigger.resourceType,
      kinds: new Set(trigger.kinds),
      criteria:
        trigger.criteria === undefined
          ? undefined
          : (fhirpath.compile(trigger.criteria, r4Model) as (resource: Resource) => unknown[]),
    }));
  return (type, action, resource) => {
    const ids: string[] = [];
    for (const trigger of compiled) {
      if (trigger.resourceType !== type || !trigger.kinds.has(action)) continue;
      if (trigger.criteria && !isTrue(trigger.criteria(resource))) continue;
      ids.push(trigger.id);
    }
    return ids;
  };
}

/** FHIRPath truthiness of a criteria result: exactly `[true]`. */
function isTrue(result: unknown[]): boolean {
  return result.length === 1 && result[0] === true;
}
