import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import { compileFastExpression, type FastExpression, type MappingFunction } from './fast-expression.ts';
import { mappingInvocationTable } from './fhirpath-functions.ts';
import { RUN_STATE, type TemplateVars } from './run-state.ts';
import { compileSimplePath, type SimplePath, UNSUPPORTED } from './simple-path.ts';

/** A compiled FHIRPath expression: context value + environment → result collection. */
export type CompiledExpression = (root: unknown, vars: TemplateVars) => unknown[];

export type ExpressionCompilerOptions = {
  /** false: fhirpath.js only (the equivalence tests compare both paths). Default true. */
  readonly fastPaths?: boolean;
};

/**
 * Compiles FHIRPath text once (R4 model, the mapping functions). Throws on a syntax error; the
 * loader reports it with the file and line. Plain member paths get the fast path of simple-path.ts,
 * and the common subset with the mapping functions that of fast-expression.ts; either hands back to
 * fhirpath.js at run time when it meets something it does not cover.
 */
export function createExpressionCompiler(
  functions: Record<string, MappingFunction>,
  options: ExpressionCompilerOptions = {},
): (text: string) => CompiledExpression {
  const compileOptions = { userInvocationTable: mappingInvocationTable(functions) };
  const fastPaths = options.fastPaths ?? true;
  return (text) => {
    const general = fhirpath.compile(text, r4Model, compileOptions) as (
      root: unknown,
      vars: TemplateVars,
    ) => unknown[];
    if (!fastPaths) return general;
    const simple = compileSimplePath(text);
    if (simple) return withFallback(simple, general);
    const fast = compileFastExpression(text, functions);
    if (fast) return withFallback(fast, general, true);
    return general;
  };
}

function withFallback(
  fast: SimplePath | FastExpression,
  general: CompiledExpression,
  mayWarn = false,
): CompiledExpression {
  if (!mayWarn) {
    return (root, vars) => {
      const result = fast(root, vars);
      return result === UNSUPPORTED ? general(root, vars) : result;
    };
  }
  return (root, vars) => {
    // A fast run given up half-way may have raised warnings (translate, mode provided) that the
    // fhirpath.js run raises again: keep only the second run's.
    const warnings = vars[RUN_STATE].warnings;
    const before = warnings.length;
    const result = fast(root, vars);
    if (result !== UNSUPPORTED) return result;
    warnings.length = before;
    return general(root, vars);
  };
}
