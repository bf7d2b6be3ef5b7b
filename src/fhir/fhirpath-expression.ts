/**
 * Text-level preparation of R4 search parameter expressions before they are compiled.
 * Many R4 parameters share one expression across many base types, joined by `|`; keeping only the
 * branches for one type makes evaluation cheaper and the per-type expression readable.
 */

/** Splits an expression on `|` that is outside parentheses and string literals. */
export function splitTopLevelUnion(expression: string): string[] {
  const branches: string[] = [];
  let depth = 0;
  let inString = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const char = expression[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === "'") inString = false;
    } else if (char === "'") inString = true;
    else if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === '|' && depth === 0) {
      branches.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  branches.push(expression.slice(start).trim());
  return branches.filter((branch) => branch.length > 0);
}

/** The type name a branch starts from, e.g. `Observation` for `(Observation.value as Quantity)`. */
export function branchRootType(branch: string): string | undefined {
  return /^\(*\s*([A-Z][A-Za-z]*)\b/.exec(branch)?.[1];
}

const ROOTS_OF_EVERY_RESOURCE = new Set(['Resource', 'DomainResource']);

/** The union of the branches that apply to `resourceType`, or undefined if none does. */
export function expressionForType(expression: string, resourceType: string): string | undefined {
  const branches = splitTopLevelUnion(expression).filter((branch) => {
    const root = branchRootType(branch);
    return root === resourceType || (root !== undefined && ROOTS_OF_EVERY_RESOURCE.has(root));
  });
  return branches.length === 0 ? undefined : branches.join(' | ');
}

/**
 * fhirpath.js only runs `resolve()` asynchronously. The gateway's references are always relative
 * `Type/id` (see identity.ts), so "refers to a Patient" is decidable from the reference text.
 */
export function replaceResolveTypeTests(expression: string): string {
  return expression.replace(
    /\.where\(\s*resolve\(\)\s+is\s+([A-Z][A-Za-z]*)\s*\)/g,
    (_match, type: string) => `.where(reference.startsWith('${type}/'))`,
  );
}
