import type { Resource } from 'fhir/r4';
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import { isSourceSystem, SOURCE_SYSTEMS } from '../fhir/identity.ts';
import type { Change, ChangeAction } from '../store/port.ts';
import { ID_GRAMMAR } from '../store/validate-ids.ts';

/** What a subscriber asks for (GraphQL `ChangeFilter`); every list narrows, values in a list OR. */
export type EventFilterInput = {
  readonly types?: readonly string[] | null;
  readonly connections?: readonly string[] | null;
  readonly sources?: readonly string[] | null;
  readonly kinds?: readonly ChangeAction[] | null;
  readonly triggers?: readonly string[] | null;
  /** FHIRPath on the resource (for a delete: the version deleted); the change passes when it is true. */
  readonly criteria?: string | null;
};

/** A filter checked and compiled once per subscription. */
export type EventFilter = {
  /** The cheap part, on the change alone (runs in the tailer's dispatch, synchronously). */
  matchesChange(change: Change): boolean;
  readonly sources: ReadonlySet<string> | undefined;
  /** Compiled FHIRPath, undefined without criteria. */
  readonly criteria: ((resource: Resource) => unknown[]) | undefined;
  /** The FHIRPath text (the key its results are shared under), undefined without criteria. */
  readonly criteriaText: string | undefined;
};

export class InvalidEventFilterError extends Error {
  override name = 'InvalidEventFilterError';
}

const MAX_VALUES = 100;
const MAX_CRITERIA_LENGTH = 2_000;
const KINDS: readonly ChangeAction[] = ['created', 'updated', 'deleted'];

/**
 * Checks a subscriber's filter against what exists (resource types the gateway emits, trigger ids
 * of the catalog, the three sources, the connection id grammar) and compiles its FHIRPath once.
 * Every problem is an InvalidEventFilterError naming the field; values are echoed only when they
 * are names of ours (types, triggers), never the criteria text.
 */
export function compileEventFilter(
  input: EventFilterInput | null | undefined,
  known: { readonly resourceTypes: ReadonlySet<string>; readonly triggers: ReadonlySet<string> },
): EventFilter {
  const f = input ?? {};
  const list = (
    name: string,
    values: readonly string[] | null | undefined,
  ): readonly string[] | undefined => {
    if (values === null || values === undefined) return undefined;
    if (values.length === 0)
      throw new InvalidEventFilterError(
        `filter.${name}: an empty list matches nothing; leave it out instead`,
      );
    if (values.length > MAX_VALUES)
      throw new InvalidEventFilterError(`filter.${name}: at most ${MAX_VALUES} values`);
    return values;
  };
  const types = list('types', f.types);
  const unknownTypes = types?.filter((t) => !known.resourceTypes.has(t)) ?? [];
  if (unknownTypes.length > 0)
    throw new InvalidEventFilterError(
      `filter.types: not a resource type the gateway emits: ${unknownTypes.map((t) => JSON.stringify(t.slice(0, 64))).join(', ')}`,
    );
  const triggers = list('triggers', f.triggers);
  const unknownTriggers = triggers?.filter((t) => !known.triggers.has(t)) ?? [];
  if (unknownTriggers.length > 0)
    throw new InvalidEventFilterError(
      `filter.triggers: unknown trigger ${unknownTriggers.map((t) => JSON.stringify(t.slice(0, 80))).join(', ')} (the \`triggers\` query lists them)`,
    );
  const sources = list('sources', f.sources);
  if (sources?.some((s) => !isSourceSystem(s)))
    throw new InvalidEventFilterError(`filter.sources: each must be one of ${SOURCE_SYSTEMS.join(', ')}`);
  const connections = list('connections', f.connections);
  if (connections?.some((c) => !ID_GRAMMAR.connection.pattern.test(c)))
    throw new InvalidEventFilterError(`filter.connections: connection ids are ${ID_GRAMMAR.connection.text}`);
  const kinds = list('kinds', f.kinds) as readonly ChangeAction[] | undefined;
  if (kinds?.some((k) => !(KINDS as readonly string[]).includes(k)))
    throw new InvalidEventFilterError(`filter.kinds: each must be one of ${KINDS.join(', ')}`);

  let criteria: EventFilter['criteria'];
  if (f.criteria !== null && f.criteria !== undefined) {
    if (f.criteria.trim() === '' || f.criteria.length > MAX_CRITERIA_LENGTH)
      throw new InvalidEventFilterError(
        `filter.criteria: a FHIRPath expression of 1 to ${MAX_CRITERIA_LENGTH} characters`,
      );
    try {
      const compiled = fhirpath.compile(f.criteria, r4Model);
      criteria = (resource) => compiled(resource as never) as unknown[];
    } catch (err) {
      // fhirpath.js's parse errors name the position and the token, not resource data.
      const detail = String((err as Error).message ?? '')
        .split('\n')[0]
        ?.slice(0, 200);
      throw new InvalidEventFilterError(`filter.criteria: not a valid FHIRPath expression (${detail})`);
    }
  }

  const typeSet = types && new Set(types);
  const connectionSet = connections && new Set(connections);
  const kindSet = kinds && new Set(kinds);
  const triggerSet = triggers && new Set(triggers);
  return {
    matchesChange(change) {
      if (typeSet && !typeSet.has(change.type)) return false;
      if (kindSet && !kindSet.has(change.action)) return false;
      if (connectionSet && (change.connection === undefined || !connectionSet.has(change.connection)))
        return false;
      if (triggerSet && !change.triggers.some((t) => triggerSet.has(t))) return false;
      // A change without a connection (an import, a local write) has no source.
      if (sources && change.connection === undefined) return false;
      return true;
    },
    sources: sources && new Set(sources),
    criteria,
    criteriaText: criteria ? (f.criteria as string) : undefined,
  };
}

/** FHIRPath truth for a subscription criterion: exactly `[true]` (as trigger criteria). */
export function criteriaHolds(result: readonly unknown[]): boolean {
  return result.length === 1 && result[0] === true;
}
