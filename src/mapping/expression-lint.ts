import { TRANSLATE_FUNCTION_NAMES } from './fhirpath-functions.ts';

/** What an expression may refer to where it appears in a mapping file. */
export type ExpressionScope = {
  /** `%name` variables defined here (record, item, index, fragment parameters). */
  readonly variables: ReadonlySet<string>;
  /** ConceptMap ids the file declares in `conceptMaps` (fragments: every loaded map). */
  readonly conceptMaps: ReadonlySet<string>;
  readonly resourceTypes: ReadonlySet<string>;
  /** A reverse template: the only place nativeId() is available. */
  readonly reverse?: boolean;
};

/** Variables fhirpath.js itself defines. */
const BUILT_IN_VARIABLES = new Set(['ucum', 'context', 'factory']);
const STRING_LITERAL = /'(?:[^'\\]|\\.)*'/g;
const TRANSLATE_CALL = new RegExp(
  `\\b(${TRANSLATE_FUNCTION_NAMES.join('|')})\\s*\\(\\s*('(?:[^'\\\\]|\\\\.)*'|[^,)]*)`,
  'g',
);
const REF_CALL = /\bref\s*\(\s*('(?:[^'\\]|\\.)*'|[^,)]*)/g;
const NATIVE_ID_CALL = /\bnativeId\s*\(/;

/**
 * Static checks fhirpath.js does not make at compile time: an undefined `%variable` or an unknown
 * ConceptMap would otherwise only fail when a record reaches that expression.
 */
export function lintExpression(text: string, scope: ExpressionScope): string[] {
  const problems: string[] = [];
  const withoutStrings = text.replace(STRING_LITERAL, "''");
  for (const [, name = ''] of withoutStrings.matchAll(/%([A-Za-z_][A-Za-z0-9_]*)/g)) {
    if (!scope.variables.has(name) && !BUILT_IN_VARIABLES.has(name)) {
      problems.push(`%${name} is not defined here`);
    }
  }
  if (!scope.reverse && NATIVE_ID_CALL.test(withoutStrings)) {
    problems.push('nativeId() is only available in reverse templates');
  }
  for (const [, fn, argument = ''] of text.matchAll(TRANSLATE_CALL)) {
    const id = literal(argument);
    if (id === undefined) problems.push(`${fn}() needs a ConceptMap id as a string literal`);
    else if (!scope.conceptMaps.has(id)) {
      problems.push(`${fn}() uses ConceptMap '${id}', which is not loaded or not listed in conceptMaps`);
    }
  }
  for (const [, argument = ''] of text.matchAll(REF_CALL)) {
    const type = literal(argument);
    if (type === undefined) problems.push('ref() needs a resource type as a string literal');
    else if (!scope.resourceTypes.has(type))
      problems.push(`ref() to '${type}', which is not a supported resource type`);
  }
  return problems;
}

function literal(argument: string): string | undefined {
  const trimmed = argument.trim();
  if (trimmed.length < 2 || !trimmed.startsWith("'") || !trimmed.endsWith("'")) return undefined;
  return trimmed.slice(1, -1).replace(/\\(.)/g, '$1');
}
