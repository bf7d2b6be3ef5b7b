import type { OperationOutcomeIssue } from 'fhir/r4';
import r4Model from 'fhirpath/fhir-context/r4';
import { outcomeIssue } from './operation-outcome.ts';
import { walkTypedObjects } from './typed-walk.ts';

/** `Patient.deceasedBoolean` → `Patient.deceased`, for every choice element in R4. */
const CHOICE_KEY_TO_BASE: ReadonlyMap<string, string> = new Map(
  Object.entries(r4Model.choiceTypePaths).flatMap(([basePath, types]) =>
    (types as string[]).map((type) => [`${basePath}${type}`, basePath] as const),
  ),
);

/** Model paths (`Observation`, `Observation.component`) that declare at least one choice element. */
const CHOICE_MODEL_PATHS: ReadonlySet<string> = new Set(
  Object.keys(r4Model.choiceTypePaths).map((basePath) => basePath.slice(0, basePath.lastIndexOf('.'))),
);

/**
 * Finds choice elements (`value[x]`, `deceased[x]`, …) given with more than one type in the same
 * object, e.g. `deceasedBoolean` together with `deceasedDateTime`. FHIR allows exactly one; the
 * @medplum/core validator only warns.
 */
export function findConflictingChoiceTypes(resource: Record<string, unknown>): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  walkTypedObjects(resource, (node, modelPath, path) => {
    for (const [base, keys] of choiceKeysByBase(node, modelPath)) {
      if (keys.size < 2) continue;
      const element = base.slice(base.lastIndexOf('.') + 1);
      const found = [...keys].sort().join(', ');
      issues.push(
        outcomeIssue(
          'error',
          'structure',
          `Only one type of the choice element ${element}[x] is allowed, found: ${found}`,
          `${path}.${element}`,
        ),
      );
    }
  });
  return issues;
}

/** Per model path, its choice keys (`deceasedBoolean`) → their base path: no string built per key. */
const CHOICE_KEYS_BY_MODEL_PATH: ReadonlyMap<string, ReadonlyMap<string, string>> = (() => {
  const byPath = new Map<string, Map<string, string>>();
  for (const [choiceKey, base] of CHOICE_KEY_TO_BASE) {
    const dot = choiceKey.lastIndexOf('.');
    const path = choiceKey.slice(0, dot);
    const keys = byPath.get(path) ?? new Map<string, string>();
    keys.set(choiceKey.slice(dot + 1), base);
    byPath.set(path, keys);
  }
  return byPath;
})();

/**
 * True if no choice element of this object (at `modelPath`) is given with more than one type
 * (`_x` counts as `x`). Called on every object a sync writes: allocates only for objects that
 * carry a choice key.
 */
export function choiceTypesAgree(node: Record<string, unknown>, modelPath: string): boolean {
  const choiceKeys = CHOICE_KEYS_BY_MODEL_PATH.get(modelPath);
  if (choiceKeys === undefined) return true; // most objects: nothing to collect
  let seen: Map<string, string> | undefined;
  for (const rawKey of Object.keys(node)) {
    const key = rawKey.startsWith('_') ? rawKey.slice(1) : rawKey;
    const base = choiceKeys.get(key);
    if (base === undefined) continue;
    seen ??= new Map();
    const other = seen.get(base);
    if (other !== undefined && other !== key) return false;
    seen.set(base, key);
  }
  return true;
}

/** The choice keys of an object by the base path of their element (`_x` counts as `x`). */
function choiceKeysByBase(node: Record<string, unknown>, modelPath: string): Map<string, Set<string>> {
  const keysByBase = new Map<string, Set<string>>();
  if (!CHOICE_MODEL_PATHS.has(modelPath)) return keysByBase; // no choice element here: nothing can conflict
  for (const rawKey of Object.keys(node)) {
    const key = rawKey.startsWith('_') ? rawKey.slice(1) : rawKey;
    const base = CHOICE_KEY_TO_BASE.get(`${modelPath}.${key}`);
    if (base === undefined) continue;
    const keys = keysByBase.get(base) ?? new Set();
    keys.add(key);
    keysByBase.set(base, keys);
  }
  return keysByBase;
}
