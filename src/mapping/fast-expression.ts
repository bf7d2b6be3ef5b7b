import fhirpath from 'fhirpath';
import { RUN_STATE, type RunState, type TemplateVars } from './run-state.ts';
import { collect, isTyped, UNSUPPORTED } from './simple-path.ts';

/**
 * A fast path for the FHIRPath subset mapping files use most: member paths, literals, `%variables`,
 * `=` / `!=` / `<`… on single values, `in (… | …)`, `and` / `or`, `where()`, `exists()`, `empty()`,
 * `not()`, `first()`, `toString()`, `iif()`, and the mapping functions (`translate('map', path)`,
 * `ref('Type', 'entity', path)`, `dateOnly(path)`…). It is compiled from fhirpath.js's own parse tree,
 * once, at load, into closures over plain JSON. Whatever the subset does not cover is not compiled
 * (undefined: fhirpath.js runs); whatever it meets at run time that fhirpath.js might treat
 * differently (FHIR-typed data, several items where one is expected, comparisons across types)
 * answers UNSUPPORTED, and the caller runs fhirpath.js instead. The mapping functions are the same
 * function bodies fhirpath.js calls, so both paths give identical results (fast-expression.test.ts
 * checks it on every fixture).
 */
export type FastExpression = (root: unknown, vars: TemplateVars) => unknown[] | typeof UNSUPPORTED;

/** A mapping function as both paths call it: `String` parameters as a string, `Any` as a collection. */
export type MappingFunction = {
  readonly arity: Readonly<Record<number, readonly string[]>>;
  readonly body: (state: RunState, ...args: unknown[]) => unknown[];
};

type Result = unknown[] | typeof UNSUPPORTED;
type Ctx = { readonly root: unknown; readonly vars: TemplateVars };
/** Evaluates on an input collection (the focus). */
type Node = (focus: unknown[], ctx: Ctx) => Result;
type ParseNode = { type: string; text?: string; children?: ParseNode[] };

/** Thrown at compile time for anything outside the subset. */
class OutsideSubset extends Error {}

export function compileFastExpression(
  text: string,
  functions: Readonly<Record<string, MappingFunction>>,
): FastExpression | undefined {
  let node: Node;
  try {
    const tree = (fhirpath as unknown as { parse(text: string): ParseNode }).parse(text);
    node = compileNode(unwrap(tree), functions, true);
  } catch (error) {
    if (error instanceof OutsideSubset) return undefined;
    return undefined; // a syntax error: fhirpath.compile reports it
  }
  return (root, vars) => {
    if (isTyped(root)) return UNSUPPORTED;
    return node([root], { root, vars });
  };
}

function unwrap(node: ParseNode): ParseNode {
  let current = node;
  while (current.type === 'EntireExpression' || current.type === 'TermExpression') {
    if (current.children?.length !== 1) throw new OutsideSubset();
    current = current.children[0] as ParseNode;
  }
  return current;
}

const child = (node: ParseNode, index: number): ParseNode => {
  const found = node.children?.[index];
  if (!found) throw new OutsideSubset();
  return found;
};

function compileNode(
  raw: ParseNode,
  functions: Readonly<Record<string, MappingFunction>>,
  term: boolean,
): Node {
  const node = unwrap(raw);
  const sub = (n: ParseNode, atTerm = true) => compileNode(n, functions, atTerm);
  switch (node.type) {
    case 'LiteralTerm':
      return literal(child(node, 0));
    case 'ParenthesizedTerm':
      return sub(child(node, 0));
    case 'ExternalConstantTerm':
      return variable(child(child(node, 0), 0));
    case 'InvocationTerm':
      return invocation(child(node, 0), functions, term);
    case 'InvocationExpression': {
      const input = sub(child(node, 0));
      const next = invocation(child(node, 1), functions, false);
      return (focus, ctx) => {
        const items = input(focus, ctx);
        return items === UNSUPPORTED ? items : next(items, ctx);
      };
    }
    case 'EqualityExpression':
      return equality(node.text, sub(child(node, 0)), sub(child(node, 1)));
    case 'InequalityExpression':
      return inequality(node.text, sub(child(node, 0)), sub(child(node, 1)));
    case 'MembershipExpression':
      if (node.text !== 'in') throw new OutsideSubset();
      return membership(sub(child(node, 0)), sub(child(node, 1)));
    case 'UnionExpression':
      return union(sub(child(node, 0)), sub(child(node, 1)));
    case 'AndExpression':
      return logic('and', sub(child(node, 0)), sub(child(node, 1)));
    case 'OrExpression':
      if (node.text !== 'or') throw new OutsideSubset();
      return logic('or', sub(child(node, 0)), sub(child(node, 1)));
    default:
      throw new OutsideSubset();
  }
}

function literal(node: ParseNode): Node {
  if (node.type === 'NullLiteral') return () => [];
  const text = node.text ?? '';
  let value: unknown;
  if (node.type === 'StringLiteral') {
    // Escapes are rare in mapping files; leave them to fhirpath.js.
    if (text.includes('\\') || text.length < 2) throw new OutsideSubset();
    value = text.slice(1, -1);
  } else if (node.type === 'BooleanLiteral') value = text === 'true';
  else if (node.type === 'NumberLiteral' && /^\d+$/.test(text)) value = Number(text);
  else throw new OutsideSubset();
  const result = [value];
  return () => result.slice();
}

function variable(identifier: ParseNode): Node {
  const name = identifier.text ?? '';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new OutsideSubset();
  return (_focus, ctx) => {
    if (!Object.hasOwn(ctx.vars, name)) return UNSUPPORTED;
    const out: unknown[] = [];
    return collect(ctx.vars[name], out) ? out : UNSUPPORTED;
  };
}

function invocation(
  node: ParseNode,
  functions: Readonly<Record<string, MappingFunction>>,
  term: boolean,
): Node {
  if (node.type === 'ThisInvocation') {
    if (!term) throw new OutsideSubset();
    return (focus) => focus;
  }
  if (node.type === 'MemberInvocation') {
    const name = child(node, 0).text ?? '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new OutsideSubset();
    return (focus) => {
      const out: unknown[] = [];
      for (const item of focus) {
        if (typeof item !== 'object' || item === null) continue;
        if (!collect((item as Record<string, unknown>)[name], out)) return UNSUPPORTED;
      }
      return out;
    };
  }
  if (node.type !== 'FunctionInvocation') throw new OutsideSubset();
  const functn = child(node, 0);
  const name = child(functn, 0).text ?? '';
  const params = functn.children?.[1]?.children ?? [];
  const arg = (index: number) =>
    compileNode(child({ type: 'ParamList', children: params }, index), functions, true);
  const noArgs = () => {
    if (params.length !== 0) throw new OutsideSubset();
  };
  switch (name) {
    case 'exists':
      noArgs();
      return (focus) => [focus.length > 0];
    case 'empty':
      noArgs();
      return (focus) => [focus.length === 0];
    case 'not':
      noArgs();
      return (focus) => {
        if (focus.length === 0) return [];
        return focus.length === 1 && typeof focus[0] === 'boolean' ? [!focus[0]] : UNSUPPORTED;
      };
    case 'first':
      noArgs();
      return (focus) => (focus.length === 0 ? [] : [focus[0]]);
    case 'toString':
      noArgs();
      return (focus) => {
        if (focus.length === 0) return [];
        if (focus.length > 1) return UNSUPPORTED;
        const value = focus[0];
        if (typeof value === 'string') return [value];
        if (typeof value === 'boolean' || (typeof value === 'number' && Number.isInteger(value)))
          return [String(value)];
        return UNSUPPORTED;
      };
    case 'where': {
      if (params.length !== 1) throw new OutsideSubset();
      const criteria = arg(0);
      return (focus, ctx) => {
        const out: unknown[] = [];
        for (const item of focus) {
          const keep = criteria([item], ctx);
          if (keep === UNSUPPORTED) return keep;
          const verdict = truth(keep);
          if (verdict === UNSUPPORTED) return verdict;
          if (verdict === true) out.push(item);
        }
        return out;
      };
    }
    case 'iif': {
      if (!term || (params.length !== 2 && params.length !== 3)) throw new OutsideSubset();
      const condition = arg(0);
      const whenTrue = arg(1);
      const otherwise = params.length === 3 ? arg(2) : undefined;
      return (focus, ctx) => {
        const test = condition(focus, ctx);
        if (test === UNSUPPORTED) return test;
        const verdict = truth(test);
        if (verdict === UNSUPPORTED) return verdict;
        if (verdict === true) return whenTrue(focus, ctx);
        return otherwise ? otherwise(focus, ctx) : [];
      };
    }
    default:
      return mappingCall(name, params, functions, term, arg);
  }
}

function mappingCall(
  name: string,
  params: ParseNode[],
  functions: Readonly<Record<string, MappingFunction>>,
  term: boolean,
  arg: (index: number) => Node,
): Node {
  const fn = Object.hasOwn(functions, name) ? functions[name] : undefined;
  const types = fn?.arity[params.length];
  if (!fn || !types || !term) throw new OutsideSubset();
  const args = types.map((type, index) => ({ string: type === 'String', node: arg(index) }));
  const body = fn.body;
  return (focus, ctx) => {
    const values: unknown[] = [];
    for (const { string, node } of args) {
      const value = node(focus, ctx);
      if (value === UNSUPPORTED) return value;
      if (string) {
        if (value.length !== 1 || typeof value[0] !== 'string') return UNSUPPORTED;
        values.push(value[0]);
      } else values.push(value);
    }
    return body(ctx.vars[RUN_STATE], ...values);
  };
}

/** [] → empty, [true]/[false] → the boolean; anything else is fhirpath.js's business. */
function truth(result: unknown[]): boolean | undefined | typeof UNSUPPORTED {
  if (result.length === 0) return undefined;
  if (result.length === 1 && typeof result[0] === 'boolean') return result[0];
  return UNSUPPORTED;
}

type Primitive = string | number | boolean;
const isPrimitive = (value: unknown): value is Primitive =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/** One item each side, of one primitive type; anything else goes to fhirpath.js. */
function pair(left: Result, right: Result): [Primitive, Primitive] | [] | typeof UNSUPPORTED {
  if (left === UNSUPPORTED || right === UNSUPPORTED) return UNSUPPORTED;
  if (left.length === 0 || right.length === 0) return [];
  if (left.length !== 1 || right.length !== 1) return UNSUPPORTED;
  const [a, b] = [left[0], right[0]];
  if (!isPrimitive(a) || !isPrimitive(b) || typeof a !== typeof b) return UNSUPPORTED;
  return [a, b];
}

function equality(operator: string | undefined, left: Node, right: Node): Node {
  if (operator !== '=' && operator !== '!=') throw new OutsideSubset();
  const equal = operator === '=';
  return (focus, ctx) => {
    const values = pair(left(focus, ctx), right(focus, ctx));
    if (values === UNSUPPORTED || values.length === 0) return values;
    return [(values[0] === values[1]) === equal];
  };
}

function inequality(operator: string | undefined, left: Node, right: Node): Node {
  const compare: Record<string, (a: number, b: number) => boolean> = {
    '<': (a, b) => a < b,
    '<=': (a, b) => a <= b,
    '>': (a, b) => a > b,
    '>=': (a, b) => a >= b,
  };
  const test = operator === undefined ? undefined : compare[operator];
  if (!test) throw new OutsideSubset();
  return (focus, ctx) => {
    const values = pair(left(focus, ctx), right(focus, ctx));
    if (values === UNSUPPORTED || values.length === 0) return values;
    const [a, b] = values;
    return typeof a === 'number' && typeof b === 'number' ? [test(a, b)] : UNSUPPORTED;
  };
}

function membership(left: Node, right: Node): Node {
  return (focus, ctx) => {
    const item = left(focus, ctx);
    if (item === UNSUPPORTED || item.length === 0) return item;
    const list = right(focus, ctx);
    if (list === UNSUPPORTED) return list;
    const value = item[0];
    if (item.length > 1 || !isPrimitive(value)) return UNSUPPORTED;
    for (const candidate of list) {
      if (typeof candidate !== typeof value) return UNSUPPORTED;
      if (candidate === value) return [true];
    }
    return [false];
  };
}

function union(left: Node, right: Node): Node {
  return (focus, ctx) => {
    const a = left(focus, ctx);
    if (a === UNSUPPORTED) return a;
    const b = right(focus, ctx);
    if (b === UNSUPPORTED) return b;
    const out: unknown[] = [];
    for (const value of [...a, ...b]) {
      if (!isPrimitive(value)) return UNSUPPORTED;
      if (out.some((seen) => typeof seen !== typeof value)) return UNSUPPORTED;
      if (!out.includes(value)) out.push(value);
    }
    return out;
  };
}

function logic(operator: 'and' | 'or', left: Node, right: Node): Node {
  return (focus, ctx) => {
    const l = left(focus, ctx);
    if (l === UNSUPPORTED) return l;
    const r = right(focus, ctx);
    if (r === UNSUPPORTED) return r;
    const a = truth(l);
    const b = truth(r);
    if (a === UNSUPPORTED || b === UNSUPPORTED) return UNSUPPORTED;
    if (operator === 'and') {
      if (a === false || b === false) return [false];
      return a === true && b === true ? [true] : [];
    }
    if (a === true || b === true) return [true];
    return a === false && b === false ? [false] : [];
  };
}
