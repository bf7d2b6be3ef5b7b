import { childElement } from './element-types.ts';

/**
 * For each top-level field of a reverse template (a native field the source receives), the
 * elements of the target resource its expressions read: `doctor: "=nativeId(generalPractitioner
 * .first())"` gives `doctor → [generalPractitioner]`. Used to tell a client which FHIR element
 * to fix when the source refuses a native field by name (DrChrono's `field:doctor`).
 */
export function reverseSources(template: unknown, target: string): ReadonlyMap<string, readonly string[]> {
  const sources = new Map<string, readonly string[]>();
  if (!isObject(template)) return sources;
  for (const [field, value] of Object.entries(template)) {
    if (field.startsWith('$')) continue;
    const elements = new Set<string>();
    for (const expression of expressionsIn(value)) {
      for (const name of identifiersOf(expression)) {
        if (name !== 'resourceType' && childElement(target, name)) elements.add(name);
      }
    }
    if (elements.size > 0) sources.set(field, [...elements]);
  }
  return sources;
}

function* expressionsIn(value: unknown): Generator<string> {
  if (typeof value === 'string') {
    if (value.startsWith('=')) yield value.slice(1);
  } else if (Array.isArray(value)) {
    for (const item of value) yield* expressionsIn(item);
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (key.startsWith('=')) yield key.slice(1);
      yield* expressionsIn(item);
    }
  }
}

/** Names at the start of a path (not after `.`, `%` or `$`, not a function call), outside string literals. */
function identifiersOf(expression: string): string[] {
  const code = expression.replace(/'(?:[^'\\]|\\.)*'/g, "''");
  return [...code.matchAll(/(?<![.%$\w])([A-Za-z_]\w*)\b(?!\s*\()/g)].map((m) => m[1] as string);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
