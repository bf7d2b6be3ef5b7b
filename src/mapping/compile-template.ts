import { isBlank } from './blank.ts';
import type { CompiledExpression } from './compile-expression.ts';
import { childElement } from './element-types.ts';
import { type ExpressionScope, lintExpression } from './expression-lint.ts';
import { MappingFailure, RUN_STATE, type TemplateVars } from './run-state.ts';

/**
 * Compiles a template (docs/mapping-format.md) into a tree of closures, once, at load. Running a
 * mapping then only calls closures: no key inspection, no `$`-key dispatch, no re-parsing. A node
 * returns `undefined` for "nothing here", which removes the element from its parent.
 */
export type TemplateNode = (root: unknown, vars: TemplateVars) => unknown;

export type DocPath = readonly (string | number)[];

export type CompiledFragment = { readonly params: ReadonlySet<string>; readonly node: TemplateNode };

export type TemplateCompileContext = {
  readonly compileExpression: (text: string) => CompiledExpression;
  readonly scope: ExpressionScope;
  /** Records a load problem at a position of the mapping file. */
  readonly report: (docPath: DocPath, message: string) => void;
  /** A fragment compiled for use at `typePath`; undefined (after reporting) when unusable. */
  readonly fragment: (
    name: string,
    typePath: string | undefined,
    docPath: DocPath,
  ) => CompiledFragment | undefined;
};

/** Where a template value sits: in the file, in the output (for messages) and in the FHIR model. */
export type Position = {
  readonly docPath: DocPath;
  readonly label: string;
  /** FHIR type path of the value, when the output is FHIR (forward templates); drives checks. */
  readonly typePath: string | undefined;
};

const STRUCTURE_KEYS = new Set(['$each', '$if', '$value', '$fragment', '$with', '$passthrough']);

type ItemProducer = (root: unknown, vars: TemplateVars, into: unknown[]) => void;

export function compileTemplate(template: unknown, at: Position, ctx: TemplateCompileContext): TemplateNode {
  return compileValue(template, at, ctx);
}

function compileValue(value: unknown, at: Position, ctx: TemplateCompileContext): TemplateNode {
  if (value === null || value === undefined) return () => undefined;
  if (typeof value === 'string') {
    if (value.startsWith('==')) {
      const text = value.slice(1);
      return () => text;
    }
    if (value.startsWith('=')) return compileExpressionNode(value.slice(1), at, ctx, ctx.scope);
    if (isBlank(value)) return () => undefined;
    return () => value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return () => value;
  if (Array.isArray(value)) return compileArray(value, at, ctx);
  if (typeof value === 'object') return compileObject(value as Record<string, unknown>, at, ctx, ctx.scope);
  ctx.report(at.docPath, `unsupported value of type ${typeof value}`);
  return () => undefined;
}

function compileExpressionNode(
  text: string,
  at: Position,
  ctx: TemplateCompileContext,
  scope: ExpressionScope,
): TemplateNode {
  const evaluate = compileChecked(text, at, ctx, scope);
  if (!evaluate) return () => undefined;
  const label = at.label;
  return (root, vars) => withoutBlanks(run(evaluate, root, vars, label));
}

/**
 * FHIR forbids empty strings and native APIs send `""` (or spaces) for "no value" all the time: a
 * blank string in a result counts as absent. 0 items left → undefined, 1 → the item, more → an array.
 */
function withoutBlanks(result: unknown[]): unknown {
  if (result.length === 1) {
    const value = result[0];
    return isBlank(value) ? undefined : value;
  }
  if (result.length === 0) return undefined;
  const kept = result.filter((value) => !isBlank(value));
  return kept.length === 0 ? undefined : kept.length === 1 ? kept[0] : kept;
}

function compileChecked(
  text: string,
  at: Position,
  ctx: TemplateCompileContext,
  scope: ExpressionScope,
): CompiledExpression | undefined {
  for (const problem of lintExpression(text, scope)) ctx.report(at.docPath, problem);
  try {
    return ctx.compileExpression(text);
  } catch (error) {
    ctx.report(at.docPath, `invalid FHIRPath: ${firstLine(error)}`);
    return undefined;
  }
}

/** The expression a structure key (`$each`, `$if`, `$passthrough`) must have as its value. */
function compileKeyExpression(
  key: string,
  value: unknown,
  at: Position,
  ctx: TemplateCompileContext,
  scope: ExpressionScope,
): CompiledExpression | undefined {
  if (typeof value === 'string' && value.startsWith('=') && !value.startsWith('==')) {
    return compileChecked(value.slice(1), at, ctx, scope);
  }
  ctx.report(at.docPath, `${key} needs a FHIRPath expression ("=…")`);
  return undefined;
}

/** Evaluates with the run state pointing at this value, turning evaluator errors into failures. */
export function run(
  evaluate: CompiledExpression,
  root: unknown,
  vars: TemplateVars,
  label: string,
): unknown[] {
  vars[RUN_STATE].path = label;
  try {
    return evaluate(root, vars);
  } catch (error) {
    if (error instanceof MappingFailure) throw error;
    throw new MappingFailure(`expression failed: ${withoutValues(error)}`, label);
  }
}

function compileArray(items: unknown[], at: Position, ctx: TemplateCompileContext): TemplateNode {
  const producers = items.map((item, index) =>
    compileArrayItem(item, { ...at, docPath: [...at.docPath, index] }, ctx),
  );
  return (root, vars) => {
    const out: unknown[] = [];
    for (const produce of producers) produce(root, vars, out);
    return out.length === 0 ? undefined : out;
  };
}

function compileArrayItem(item: unknown, at: Position, ctx: TemplateCompileContext): ItemProducer {
  const isObject = typeof item === 'object' && item !== null && !Array.isArray(item);
  if (isObject && '$each' in item) {
    const { $each: eachText, ...body } = item as Record<string, unknown>;
    const eachAt = { ...at, docPath: [...at.docPath, '$each'] };
    const list = compileKeyExpression('$each', eachText, eachAt, ctx, ctx.scope);
    const itemScope = { ...ctx.scope, variables: new Set([...ctx.scope.variables, 'item', 'index']) };
    const bodyNode = compileObject(body, at, { ...ctx, scope: itemScope }, itemScope, true);
    if (!list) return () => {};
    const label = at.label;
    return (root, vars, into) => {
      // Blank strings are absent here too: iterating over them would only give empty elements.
      const elements = run(list, root, vars, label).filter((element) => !isBlank(element));
      for (let index = 0; index < elements.length; index++) {
        push(into, bodyNode(root, { ...vars, item: elements[index], index }));
      }
    };
  }
  const node = compileValue(item, at, ctx);
  return (root, vars, into) => push(into, node(root, vars));
}

/** Array items that are collections are spread: FHIR has no arrays of arrays. */
function push(into: unknown[], value: unknown): void {
  if (value === undefined) return;
  if (Array.isArray(value)) {
    for (const item of value) if (item !== undefined) into.push(item);
  } else into.push(value);
}

function compileObject(
  object: Record<string, unknown>,
  at: Position,
  ctx: TemplateCompileContext,
  scope: ExpressionScope,
  insideEach = false,
): TemplateNode {
  const keyAt = (key: string) => [...at.docPath, key];
  for (const key of Object.keys(object)) {
    if (key.startsWith('$') && !STRUCTURE_KEYS.has(key))
      ctx.report(keyAt(key), `unknown structure key ${key}`);
  }
  if ('$each' in object) ctx.report(keyAt('$each'), '$each is only allowed in an array item');
  const plainKeys = Object.keys(object).filter((key) => !key.startsWith('$'));

  const condition =
    '$if' in object
      ? compileKeyExpression('$if', object.$if, { ...at, docPath: keyAt('$if') }, ctx, scope)
      : undefined;

  let body: TemplateNode;
  if ('$value' in object) {
    if (!('$if' in object) && !insideEach) ctx.report(keyAt('$value'), '$value needs $if or $each beside it');
    if (plainKeys.length > 0) ctx.report(keyAt('$value'), '$value cannot be combined with element keys');
    body = compileValue(object.$value, { ...at, docPath: keyAt('$value') }, ctx);
  } else if ('$fragment' in object) {
    body = compileFragmentUse(object, plainKeys, at, ctx);
  } else {
    if ('$with' in object) ctx.report(keyAt('$with'), '$with is only allowed beside $fragment');
    body = compileElements(object, plainKeys, at, ctx, scope);
  }

  if (!condition) return body;
  const test = condition;
  const label = at.label;
  return (root, vars) => {
    const result = run(test, root, vars, label);
    return result.length === 1 && result[0] === true ? body(root, vars) : undefined;
  };
}

function compileElements(
  object: Record<string, unknown>,
  keys: string[],
  at: Position,
  ctx: TemplateCompileContext,
  scope: ExpressionScope,
): TemplateNode {
  const entries: Array<[string, TemplateNode]> = keys.map((key) => {
    const element = at.typePath === undefined ? undefined : childElement(at.typePath, key);
    if (at.typePath !== undefined && !element && !key.startsWith('_') && key !== 'resourceType') {
      ctx.report([...at.docPath, key], `${key} is not an element of ${at.typePath}`);
    }
    const childAt: Position = {
      docPath: [...at.docPath, key],
      label: `${at.label}.${key}`,
      typePath: element?.typePath,
    };
    const node = compileValue(object[key], childAt, { ...ctx, scope });
    return [key, element?.repeating ? asArray(node) : node];
  });

  if (!('$passthrough' in object)) {
    // Parallel arrays and an indexed loop: this runs for every object of every resource mapped.
    const names = entries.map(([key]) => key);
    const nodes = entries.map(([, node]) => node);
    const count = names.length;
    return (root, vars) => {
      let out: Record<string, unknown> | undefined;
      for (let i = 0; i < count; i++) {
        const value = (nodes[i] as TemplateNode)(root, vars);
        if (value !== undefined) {
          out ??= {};
          out[names[i] as string] = value;
        }
      }
      return out;
    };
  }

  const baseAt = { ...at, docPath: [...at.docPath, '$passthrough'] };
  const text = object.$passthrough;
  const base = compileKeyExpression('$passthrough', text, baseAt, ctx, scope);
  if (!base) return () => undefined;
  const label = at.label;
  return (root, vars) => {
    const found = run(base, root, vars, label);
    if (found.length > 1 || (found.length === 1 && !isPlainObject(found[0]))) {
      throw new MappingFailure('$passthrough must give one object', label);
    }
    // A shallow copy: the listed keys replace or (when empty) remove elements of the source object.
    const out: Record<string, unknown> = found.length === 1 ? { ...(found[0] as object) } : {};
    for (const [key, node] of entries) {
      const value = node(root, vars);
      if (value === undefined) delete out[key];
      else out[key] = value;
    }
    for (const _ in out) return out;
    return undefined;
  };
}

function compileFragmentUse(
  object: Record<string, unknown>,
  plainKeys: string[],
  at: Position,
  ctx: TemplateCompileContext,
): TemplateNode {
  const name = object.$fragment;
  const fragmentAt = [...at.docPath, '$fragment'];
  if (plainKeys.length > 0 || '$passthrough' in object) {
    ctx.report(fragmentAt, '$fragment cannot be combined with element keys or $passthrough');
  }
  if (typeof name !== 'string') {
    ctx.report(fragmentAt, '$fragment needs a fragment name');
    return () => undefined;
  }
  const given = object.$with ?? {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    ctx.report([...at.docPath, '$with'], '$with must map parameter names to values');
    return () => undefined;
  }
  const fragment = ctx.fragment(name, at.typePath, fragmentAt);
  if (!fragment) return () => undefined;
  const params = Object.entries(given as Record<string, unknown>).map(
    ([param, value]): [string, TemplateNode] => {
      const paramAt = [...at.docPath, '$with', param];
      if (!fragment.params.has(param)) ctx.report(paramAt, `fragment ${name} has no parameter ${param}`);
      return [
        param,
        compileValue(value, { docPath: paramAt, label: `${at.label}(${param})`, typePath: undefined }, ctx),
      ];
    },
  );
  for (const param of fragment.params) {
    if (!Object.hasOwn(given, param))
      ctx.report([...at.docPath, '$with'], `fragment ${name} needs parameter ${param}`);
  }
  const node = fragment.node;
  return (root, vars) => {
    // Fragments see their parameters and the record, nothing of the caller's iteration.
    const fragmentVars: TemplateVars = { record: vars.record, [RUN_STATE]: vars[RUN_STATE] };
    for (const [param, value] of params) fragmentVars[param] = value(root, vars) ?? [];
    return node(root, fragmentVars);
  };
}

function asArray(node: TemplateNode): TemplateNode {
  return (root, vars) => {
    const value = node(root, vars);
    return value === undefined || Array.isArray(value) ? value : [value];
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split('\n')[0] ?? '';
}

/** Evaluator messages may quote data; keep the part before any value and mask quoted text. */
function withoutValues(error: unknown): string {
  const message = firstLine(error).split(':')[0] ?? '';
  return message.replace(/'[^']*'|"[^"]*"/g, '…').slice(0, 120);
}
