import r4Model from 'fhirpath/fhir-context/r4';
import { splitTopLevelUnion } from './fhirpath-expression.ts';
import type { TypedValue } from './search-parameters.ts';

/**
 * Direct JSON walkers for the expression shapes most R4 search parameters use, compiled once at
 * definition-load time so indexing a resource does not run the FHIRPath interpreter:
 *
 * - paths `Type.a.b` from the resource type (or `Resource`/`DomainResource`), choice elements
 *   included (`Observation.effective` reads `effectiveDateTime`, `effectivePeriod`, …);
 * - unions `x | y` and grouping parentheses `(x).y`;
 * - `ofType(T)` and `as(T)` / `x as T` on a path;
 * - `where(field = 'literal')`, `where(reference.startsWith('T/'))` (what `resolve() is T` is
 *   rewritten to), `where(startsWith('literal'))`, and `substring(n)`.
 *
 * Element types come from the same model fhirpath.js uses (`fhirpath/fhir-context/r4`), with the
 * same path rules (`makeChildResNodes`), so the typed values are the ones fhirpath.js returns, in
 * the same order; `test/…/search-path-walker.test.ts` checks the index entries are identical over
 * every fixture. Anything else returns `undefined` and the caller falls back to fhirpath.js.
 * Primitive extensions (`_birthDate`) are not visited: an element with no value yields nothing.
 */
export function compileSearchPathWalker(
  expression: string,
  resourceType: string,
): ((resource: object) => TypedValue[]) | undefined {
  const branches: Walk[] = [];
  for (const branch of splitTopLevelUnion(expression)) {
    const steps = parseSteps(tokenize(branch));
    if (!steps) return undefined;
    const walk = compileBranch(steps, resourceType);
    if (!walk) return undefined;
    branches.push(walk);
  }
  if (branches.length === 1) {
    const [only] = branches as [Walk];
    return (resource) => {
      const out: TypedValue[] = [];
      only(resource, out);
      return out;
    };
  }
  return (resource) => {
    const out: TypedValue[] = [];
    for (const walk of branches) walk(resource, out);
    return out;
  };
}

type Walk = (value: unknown, out: TypedValue[]) => void;

type Step =
  | { readonly op: 'child'; readonly name: string }
  | { readonly op: 'ofType'; readonly type: string }
  | { readonly op: 'whereEquals'; readonly field: string; readonly literal: string }
  | { readonly op: 'whereReferenceStartsWith'; readonly prefix: string }
  | { readonly op: 'whereStartsWith'; readonly prefix: string }
  | { readonly op: 'substring'; readonly start: number };

type Model = {
  readonly choiceTypePaths: Readonly<Record<string, readonly string[]>>;
  readonly pathsDefinedElsewhere: Readonly<Record<string, string>>;
  readonly path2Type: Readonly<Record<string, string>>;
  readonly path2TypeWithoutElements: Readonly<Record<string, string>>;
  readonly path2Repeating: Readonly<Record<string, boolean>>;
  readonly type2Parent: Readonly<Record<string, string>>;
};
const model = r4Model as unknown as Model;

// --- parsing: a tiny tokenizer and a parser for the supported shapes only ---

type Token = { readonly kind: 'name' | 'string' | 'number' | 'punct'; readonly text: string };

function tokenize(text: string): Token[] | undefined {
  const tokens: Token[] = [];
  const pattern = /\s*(?:([A-Za-z_][A-Za-z0-9_]*)|'((?:[^'\\]|\\.)*)'|(\d+)|([.()=|]))/y;
  let index = 0;
  while (index < text.length) {
    if (/^\s*$/.test(text.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(text);
    if (!match) return undefined;
    index = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: 'name', text: match[1] });
    else if (match[2] !== undefined) {
      if (match[2].includes('\\')) return undefined;
      tokens.push({ kind: 'string', text: match[2] });
    } else if (match[3] !== undefined) tokens.push({ kind: 'number', text: match[3] });
    else tokens.push({ kind: 'punct', text: match[4] as string });
  }
  return tokens;
}

/** The steps of one branch; the first step is the root type name. */
function parseSteps(tokens: Token[] | undefined): Step[] | undefined {
  if (!tokens) return undefined;
  let i = 0;
  const peek = (text: string) => tokens[i]?.text === text && tokens[i]?.kind !== 'string';
  const expect = (text: string) => {
    if (!peek(text)) return false;
    i++;
    return true;
  };
  const name = () => (tokens[i]?.kind === 'name' ? tokens[i++]?.text : undefined);
  const literal = () => (tokens[i]?.kind === 'string' ? tokens[i++]?.text : undefined);

  const chain = (): Step[] | undefined => {
    let steps: Step[];
    if (expect('(')) {
      const inner = chain();
      if (!inner || !expect(')')) return undefined;
      steps = inner;
    } else {
      const root = name();
      if (root === undefined) return undefined;
      steps = [{ op: 'child', name: root }];
    }
    for (;;) {
      if (peek('as')) {
        i++;
        const type = name();
        if (type === undefined) return undefined;
        steps.push({ op: 'ofType', type });
        continue;
      }
      if (!expect('.')) return steps;
      const step = member();
      if (!step) return undefined;
      steps.push(step);
    }
  };

  const member = (): Step | undefined => {
    const id = name();
    if (id === undefined) return undefined;
    if (!expect('(')) return { op: 'child', name: id };
    let step: Step | undefined;
    if (id === 'ofType' || id === 'as') {
      const type = name();
      step = type === undefined ? undefined : { op: 'ofType', type };
    } else if (id === 'substring') {
      const start = tokens[i]?.kind === 'number' ? Number(tokens[i++]?.text) : undefined;
      step = start === undefined ? undefined : { op: 'substring', start };
    } else if (id === 'where') step = condition();
    if (!step || !expect(')')) return undefined;
    return step;
  };

  const condition = (): Step | undefined => {
    const first = name();
    if (first === 'startsWith' && expect('(')) {
      const prefix = literal();
      return prefix !== undefined && expect(')') ? { op: 'whereStartsWith', prefix } : undefined;
    }
    if (first === 'reference' && expect('.') && name() === 'startsWith' && expect('(')) {
      const prefix = literal();
      return prefix !== undefined && expect(')') ? { op: 'whereReferenceStartsWith', prefix } : undefined;
    }
    if (first !== undefined && expect('=')) {
      const value = literal();
      return value !== undefined ? { op: 'whereEquals', field: first, literal: value } : undefined;
    }
    return undefined;
  };

  const steps = chain();
  return steps && i === tokens.length ? steps : undefined;
}

// --- compilation: static types per path, as fhirpath.js's makeChildResNodes computes them ---

/** Where a walk stands: the model path of the current node and its type (undefined at the root). */
type State = { readonly path: string; readonly type: string | undefined };

function compileBranch(steps: readonly Step[], resourceType: string): Walk | undefined {
  const [root, ...rest] = steps;
  if (root?.op !== 'child') return undefined;
  if (root.name !== resourceType && root.name !== 'Resource' && root.name !== 'DomainResource')
    return undefined;
  return compileSteps(rest, 0, { path: resourceType, type: resourceType });
}

function isA(type: string | undefined, wanted: string): boolean {
  for (let t = type; t !== undefined; t = model.type2Parent[t]) if (t === wanted) return true;
  return false;
}

function stripNamespace(type: string): string {
  const dot = type.indexOf('.');
  return dot === -1 ? type : type.slice(dot + 1);
}

function compileSteps(steps: readonly Step[], index: number, state: State): Walk | undefined {
  const step = steps[index];
  if (step === undefined) {
    if (state.type === undefined) return undefined;
    const type = stripNamespace(state.type);
    return (value, out) => {
      out.push({ type, value });
    };
  }
  switch (step.op) {
    case 'child':
      return compileChild(steps, index, state, step.name);
    case 'ofType':
      // Types are static per path, so the filter is decided here.
      return isA(state.type, step.type) ? compileSteps(steps, index + 1, state) : () => {};
    case 'whereEquals': {
      const fieldPath = `${state.path}.${step.field}`;
      if (model.path2Repeating[fieldPath] || model.choiceTypePaths[fieldPath]) return undefined;
      if (!model.path2Type[fieldPath]) return undefined;
      const next = compileSteps(steps, index + 1, state);
      if (!next) return undefined;
      const { field, literal } = step;
      return (value, out) => {
        if ((value as Record<string, unknown>)[field] === literal) next(value, out);
      };
    }
    case 'whereReferenceStartsWith': {
      if (state.type !== 'Reference') return undefined;
      const next = compileSteps(steps, index + 1, state);
      if (!next) return undefined;
      const { prefix } = step;
      return (value, out) => {
        const reference = (value as { reference?: unknown }).reference;
        if (typeof reference === 'string' && reference.startsWith(prefix)) next(value, out);
      };
    }
    case 'whereStartsWith': {
      const next = compileSteps(steps, index + 1, state);
      if (!next) return undefined;
      const { prefix } = step;
      return (value, out) => {
        if (typeof value === 'string' && value.startsWith(prefix)) next(value, out);
      };
    }
    case 'substring': {
      // The result is a System.String; nothing but the end of the expression may follow.
      if (index !== steps.length - 1) return undefined;
      const { start } = step;
      return (value, out) => {
        if (typeof value === 'string' && start < value.length)
          out.push({ type: 'String', value: value.slice(start) });
      };
    }
  }
}

function compileChild(steps: readonly Step[], index: number, state: State, name: string): Walk | undefined {
  let childPath = `${state.path}.${name}`;
  childPath = model.pathsDefinedElsewhere[childPath] ?? childPath;
  const choices = model.choiceTypePaths[childPath];
  if (choices) {
    // fhirpath.js takes the first choice present, in the model's order.
    const options: { key: string; walk: Walk }[] = [];
    for (const suffix of choices) {
      const path = childPath + suffix;
      const walk = compileSteps(steps, index + 1, childState(path));
      if (!walk) return undefined;
      options.push({ key: name + suffix, walk });
    }
    return (value, out) => {
      const record = value as Record<string, unknown>;
      for (const option of options) {
        const child = record[option.key];
        if (child !== undefined) {
          visit(child, option.walk, out);
          return;
        }
        if (record[`_${option.key}`] !== undefined) return;
      }
    };
  }
  if (model.path2Type[childPath] === undefined) return undefined;
  const next = compileSteps(steps, index + 1, childState(childPath));
  if (!next) return undefined;
  return (value, out) => {
    const child = (value as Record<string, unknown>)[name];
    if (child !== undefined) visit(child, next, out);
  };
}

function childState(path: string): State {
  return { path: model.path2TypeWithoutElements[path] ?? path, type: model.path2Type[path] };
}

function visit(child: unknown, next: Walk, out: TypedValue[]): void {
  if (Array.isArray(child)) {
    for (const item of child) if (item !== null && item !== undefined) next(item, out);
  } else if (child !== null) next(child, out);
}

/** FHIR date types whose every value is one range of at most a year (see date-range.ts). */
const SHORT_DATE_TYPES = new Set(['date', 'dateTime', 'instant']);

/** The widest range a date, dateTime or instant value indexes as: a leap year ('2024'). */
export const SHORT_DATE_MAX_WIDTH_MS = 366 * 86_400_000;

/**
 * Whether the expression yields at most one value per resource (one branch, no repeating element
 * on the path, max cardinality 1 in the StructureDefinition) and that value is a date, dateTime or
 * instant, so it indexes as at most one date entry no wider than SHORT_DATE_MAX_WIDTH_MS. Patient
 * `birthdate` and `_lastUpdated` are; Observation `date` is not (effectiveTiming has many events,
 * effectivePeriod may be open).
 */
export function isSingleShortDate(expression: string, resourceType: string): boolean {
  const branches = splitTopLevelUnion(expression);
  if (branches.length !== 1) return false;
  const steps = parseSteps(tokenize(branches[0] as string));
  const [root, ...rest] = steps ?? [];
  if (root?.op !== 'child' || compileBranch(steps ?? [], resourceType) === undefined) return false;
  let states: State[] = [{ path: resourceType, type: resourceType }];
  for (const step of rest) {
    if (step.op === 'ofType') {
      states = states.filter((state) => isA(state.type, step.type));
      continue;
    }
    if (step.op !== 'child') return false;
    const next: State[] = [];
    for (const state of states) {
      let childPath = `${state.path}.${step.name}`;
      childPath = model.pathsDefinedElsewhere[childPath] ?? childPath;
      if (model.path2Repeating[childPath]) return false;
      const choices = model.choiceTypePaths[childPath];
      if (choices) for (const suffix of choices) next.push(childState(childPath + suffix));
      else next.push(childState(childPath));
    }
    states = next;
  }
  return states.length > 0 && states.every((state) => SHORT_DATE_TYPES.has(state.type ?? ''));
}
