import type { OperationOutcomeIssue, StructureDefinition } from 'fhir/r4';
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import { compileInvariantGuard, type ElementKeys } from './invariant-guard.ts';
import { outcomeIssue } from './operation-outcome.ts';
import { walkTypedObjects } from './typed-walk.ts';

export type CompiledInvariant = {
  readonly key: string;
  readonly human: string;
  readonly expression: string;
  readonly evaluate: (value: unknown) => unknown[];
  /** True when the invariant certainly holds on this node, decided without evaluating it (invariant-guard.ts). */
  readonly holds: (value: Record<string, unknown>) => boolean;
};

/** Error-level invariants declared on complex datatypes (per-1, qty-3, …), by datatype name. */
export type DatatypeInvariants = ReadonlyMap<string, readonly CompiledInvariant[]>;

const ignoreTrace = (): void => {};

/** ele-1 ("has a value or children") is checked structurally by the validator already. */
const CHECKED_ELSEWHERE = new Set(['ele-1']);

/**
 * @medplum/core checks invariants on elements and on the resource root, but not those declared on a
 * datatype itself (e.g. per-1 "start <= end" on every Period). They are compiled here, once.
 */
export function compileDatatypeInvariants(definitions: Iterable<StructureDefinition>): DatatypeInvariants {
  const byType = new Map<string, CompiledInvariant[]>();
  for (const definition of definitions) {
    if (definition.kind !== 'complex-type' || definition.derivation !== 'specialization') continue;
    const root = definition.snapshot?.element[0];
    const invariants = (root?.constraint ?? [])
      .filter((constraint) => constraint.severity === 'error' && !CHECKED_ELSEWHERE.has(constraint.key))
      .flatMap((constraint) => {
        if (!constraint.expression) return [];
        const compiled = fhirpath.compile(
          { base: definition.type, expression: constraint.expression },
          r4Model,
          // R4's ref-1 calls trace(), which fhirpath.js prints to stdout unless given a trace function:
          // that would log reference ids for every validated reference (and slow validation down).
          { traceFn: ignoreTrace },
        );
        return [
          {
            key: constraint.key,
            human: constraint.human,
            expression: constraint.expression,
            evaluate: (value: unknown) => compiled(value) as unknown[],
            holds: compileInvariantGuard(constraint.expression, r4ElementKeys(definition.type), 'some-term'),
          },
        ];
      });
    if (invariants.length > 0) byType.set(definition.type, invariants);
  }
  return byType;
}

/** JSON keys of an element as fhirpath.js reads them with the R4 model: one per type of a choice element. */
function r4ElementKeys(type: string): ElementKeys {
  const choices = r4Model.choiceTypePaths as Record<string, readonly string[] | undefined>;
  return (name) => choices[`${type}.${name}`]?.map((choice) => `${name}${choice}`) ?? [name];
}

/**
 * Only an explicit `false` fails: comparisons of values with different precisions evaluate to empty
 * in FHIRPath, and rejecting those would reject valid data.
 */
export function checkDatatypeInvariants(
  invariants: DatatypeInvariants,
  resource: Record<string, unknown>,
): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  walkTypedObjects(resource, (node, modelPath, path) => {
    for (const invariant of invariants.get(modelPath) ?? []) {
      if (invariant.holds(node)) continue;
      let result: unknown[];
      try {
        result = invariant.evaluate(node);
      } catch {
        continue;
      }
      if (result.length === 1 && result[0] === false) {
        const text = `Constraint ${invariant.key} not met: ${invariant.human}`;
        issues.push({
          ...outcomeIssue('error', 'invariant', text, path),
          diagnostics: `${text} (${invariant.expression})`,
        });
      }
    }
  });
  return issues;
}

/**
 * Remembers (invariant, node JSON) pairs fhirpath.js found to hold, for the fast validation path:
 * only nodes it has accepted as plain JSON get here (no null, NaN or functions, which JSON text
 * would blur), so equal text means equal input and the same result. Bounded: cleared when full.
 */
export type InvariantMemo = { has(key: string): boolean; add(key: string): void };

export function createInvariantMemo(limit = 10_000, maxKeyLength = 2_000): InvariantMemo {
  const held = new Set<string>();
  return {
    has: (key) => held.has(key),
    add(key) {
      if (key.length > maxKeyLength) return;
      if (held.size >= limit) held.clear();
      held.add(key);
    },
  };
}

/**
 * True if every datatype invariant of one object (at `modelPath`) holds, as checkDatatypeInvariants
 * would find: for the fast path's walk (typed-walk.ts everyTypedObject), which runs other checks too.
 */
export function datatypeInvariantsHoldOn(
  invariants: DatatypeInvariants,
  node: Record<string, unknown>,
  modelPath: string,
  memo: InvariantMemo,
): boolean {
  for (const invariant of invariants.get(modelPath) ?? []) {
    if (invariant.holds(node)) continue;
    const key = `${modelPath}\u0000${invariant.key}\u0000${JSON.stringify(node)}`;
    if (memo.has(key)) continue;
    let result: unknown[] = [];
    try {
      result = invariant.evaluate(node);
    } catch {
      // Not reported by checkDatatypeInvariants either: as good as holding, and as repeatable.
    }
    if (result.length === 1 && result[0] === false) return false;
    memo.add(key);
  }
  return true;
}
