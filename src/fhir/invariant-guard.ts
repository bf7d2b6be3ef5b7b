/**
 * Most FHIR invariants are a chain of `or`s (of `and`s) whose terms only ask whether an element is
 * there: `code.empty() or system.exists()` (qty-3), `extension.exists() != value.exists()` (ext-1),
 * `contained.contained.empty()` (dom-2), `reference.startsWith('#').not() or …` (ref-1). Such terms
 * can be read on plain JSON exactly, so a guard decides "the invariant holds" without running a
 * FHIRPath engine. It answers true only when that is certain; false means "evaluate it" (never "it
 * fails"). JSON it cannot read exactly (primitive extensions `_x`, null, empty arrays, objects or
 * strings, a path below a present element) leaves the term undecided.
 *
 * Two modes, for the two engines' ways of treating the terms it does not read:
 * - `some-term`: one true disjunct is enough. Sound where an evaluation error is not reported
 *   (datatype-invariants.ts skips invariants that throw), since FHIRPath's `true or X` is true
 *   whatever X gives.
 * - `all-terms`: every term must be decided, and the whole expression is then computed. Needed for
 *   @medplum/core, which evaluates both sides of `or` and reports an error if one throws.
 * invariant-guard.test.ts checks both against the engines on every node of the HL7 examples.
 */
export type InvariantGuard = (node: Record<string, unknown>) => boolean;

/** The JSON keys an element of the node's type may appear under, or undefined if unknown. */
export type ElementKeys = (name: string) => readonly string[] | undefined;

export type GuardMode = 'some-term' | 'all-terms';

/** A term on a node: true, false, or undefined when it cannot be read exactly. */
type Term = (node: Record<string, unknown>) => boolean | undefined;

const NEVER: InvariantGuard = () => false;
const IDENTIFIER = '[a-z][A-Za-z0-9]*';
const EMPTY = new RegExp(`^(${IDENTIFIER})((?:\\.${IDENTIFIER})*)\\.empty\\(\\)$`);
const EXISTS = new RegExp(`^(${IDENTIFIER})\\.exists\\(\\)$`);
const EXISTS_DIFFERS = new RegExp(`^(${IDENTIFIER})\\.exists\\(\\) != (${IDENTIFIER})\\.exists\\(\\)$`);
const NOT_STARTS_WITH = new RegExp(`^(${IDENTIFIER})\\.startsWith\\('([^'\\\\]*)'\\)\\.not\\(\\)$`);

export function compileInvariantGuard(
  expression: string,
  keysOf: ElementKeys,
  mode: GuardMode,
): InvariantGuard {
  const disjuncts = splitTopLevel(expression, 'or');
  if (disjuncts === undefined) return NEVER;
  const compiled: Array<Term[] | undefined> = disjuncts.map((disjunct) => {
    const conjuncts = splitTopLevel(disjunct, 'and');
    if (conjuncts === undefined) return undefined;
    const terms = conjuncts.map((text) => compileTerm(text, keysOf));
    return terms.every((term) => term !== undefined) ? (terms as Term[]) : undefined;
  });
  if (mode === 'all-terms' && compiled.some((terms) => terms === undefined)) return NEVER;
  const usable = compiled.filter((terms): terms is Term[] => terms !== undefined);
  if (usable.length === 0) return NEVER;
  return (node) => {
    for (const key of Object.keys(node)) if (key.startsWith('_')) return false;
    if (mode === 'some-term') return usable.some((terms) => terms.every((term) => term(node) === true));
    // all-terms: compute `or` of `and`s, but only if every term is decided.
    let result = false;
    for (const terms of usable) {
      let all = true;
      for (const term of terms) {
        const value = term(node);
        if (value === undefined) return false;
        all &&= value;
      }
      result ||= all;
    }
    return result;
  };
}

function compileTerm(text: string, keysOf: ElementKeys): Term | undefined {
  let match = EMPTY.exec(text);
  if (match?.[1] !== undefined) {
    const keys = keySet(keysOf(match[1]));
    if (keys === undefined) return undefined;
    // `a.b.empty()` is certainly true when `a` is absent; below a present `a` it is not read here.
    const below = (match[2] ?? '') !== '';
    return (node) => {
      const present = presence(node, keys);
      if (present === undefined || (present && below)) return undefined;
      return !present;
    };
  }
  match = EXISTS.exec(text);
  if (match?.[1] !== undefined) {
    const keys = keySet(keysOf(match[1]));
    if (keys === undefined) return undefined;
    return (node) => presence(node, keys);
  }
  match = EXISTS_DIFFERS.exec(text);
  if (match?.[1] !== undefined && match[2] !== undefined) {
    const left = keySet(keysOf(match[1]));
    const right = keySet(keysOf(match[2]));
    if (left === undefined || right === undefined) return undefined;
    return (node) => {
      const a = presence(node, left);
      const b = presence(node, right);
      return a === undefined || b === undefined ? undefined : a !== b;
    };
  }
  match = NOT_STARTS_WITH.exec(text);
  if (match?.[1] !== undefined && match[2] !== undefined) {
    const key = match[1];
    const prefix = match[2];
    // Only a plain (non-choice) element holding a single non-empty string is read here.
    const keys = keysOf(key);
    if (keys?.length !== 1 || keys[0] !== key) return undefined;
    return (node) => {
      const value = node[key];
      return typeof value === 'string' && value !== '' ? !value.startsWith(prefix) : undefined;
    };
  }
  return undefined;
}

/**
 * Whether any of the keys holds a value; undefined where an engine might read the JSON differently.
 * Walks the node's own keys (a handful) rather than the element's (up to ~50 for `value[x]`).
 */
function presence(node: Record<string, unknown>, keys: ReadonlySet<string>): boolean | undefined {
  let present = false;
  for (const key of Object.keys(node)) {
    if (!keys.has(key)) continue;
    if (!isPlainValue(node[key])) return undefined;
    present = true;
  }
  return present;
}

function keySet(keys: readonly string[] | undefined): ReadonlySet<string> | undefined {
  return keys === undefined ? undefined : new Set(keys);
}

function isPlainValue(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return false;
  if (Array.isArray(value)) return value.length > 0 && value.every((item) => isPlainValue(item));
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/**
 * The operands of `operator` (`or` or `and`) at the top level, or undefined if the top level holds
 * an operator that binds as loosely or more loosely (`xor`, `implies`; `or` when splitting on
 * `and`), which would change what an operand means.
 */
function splitTopLevel(expression: string, operator: 'or' | 'and'): string[] | undefined {
  const looser = operator === 'or' ? ['xor', 'implies'] : ['or', 'xor', 'implies'];
  const parts: string[] = [];
  let depth = 0;
  let inString = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const char = expression[i] as string;
    if (inString) {
      if (char === '\\') i++;
      else if (char === "'") inString = false;
      continue;
    }
    if (char === '`') return undefined; // delimited identifiers are not read here
    if (char === "'") inString = true;
    else if (char === '(' || char === '[' || char === '{') depth++;
    else if (char === ')' || char === ']' || char === '}') depth--;
    else if (depth === 0 && /\s/.test(char)) {
      const found = /^\s+([a-z]+)\s+/.exec(expression.slice(i));
      const word = found?.[1];
      if (word !== undefined && looser.includes(word)) return undefined;
      if (word === operator && found) {
        parts.push(expression.slice(start, i).trim());
        i += found[0].length - 1;
        start = i + 1;
      }
    }
  }
  if (depth !== 0 || inString) return undefined;
  parts.push(expression.slice(start).trim());
  return parts;
}
