import { splitTopLevelUnion } from './fhirpath-expression.ts';
import type { SearchParamKind } from './search-parameters.ts';
import type { ColumnName, ParamSource } from './search-query.ts';

/**
 * Parameters a store may answer from the resource's own columns rather than from index entries:
 * the logical id and the version's lastUpdated instant, which the store writes itself, and
 * meta.source (`_connection` is its connection id, after the gateway's prefix), which every
 * gateway resource carries — one value per resource, identical across a connection's millions.
 */
export const COLUMN_PARAMETERS: Readonly<Record<string, ColumnName>> = {
  _id: 'id',
  _lastUpdated: 'lastUpdated',
  _source: 'source',
  _connection: 'connection',
};

type Candidate = { readonly code: string; readonly kind: SearchParamKind; readonly expression: string };

const RESTRICTION = /^(.+)\.where\(reference\.startsWith\('([A-Z][A-Za-z]*)\/'\)\)$/;

/**
 * Where each search parameter of one type finds its entries. A parameter whose expression only
 * repeats others' (R4 has many: Patient `phonetic` is `name`, Observation `combo-code` is `code |
 * component-code`, `patient` is `subject` restricted to Patients) is answered from their entries,
 * so a store need not write the same values twice. Derived from the expressions, never listed.
 */
export function parameterSources(parameters: readonly Candidate[]): Map<string, ParamSource> {
  const sources = new Map<string, ParamSource>();
  const own: Candidate[] = [];
  const sorted = [...parameters].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  for (const parameter of sorted) {
    const column = COLUMN_PARAMETERS[parameter.code];
    if (column !== undefined) {
      sources.set(parameter.code, { from: 'column', column });
      continue;
    }
    const same = own.find((o) => o.kind === parameter.kind && o.expression === parameter.expression);
    if (same) sources.set(parameter.code, { from: 'params', params: [same.code], refType: null });
    else if (splitTopLevelUnion(parameter.expression).length === 1 && !RESTRICTION.test(parameter.expression))
      own.push(parameter);
  }
  // Narrower unions first, so a wide one can be covered by the narrower ones it repeats.
  const rest = sorted
    .filter((p) => !sources.has(p.code) && !own.includes(p))
    .sort((a, b) => splitTopLevelUnion(a.expression).length - splitTopLevelUnion(b.expression).length);
  for (const parameter of rest) {
    const source = restrictionOf(parameter, own) ?? unionOf(parameter, own);
    if (source) sources.set(parameter.code, source);
    else own.push(parameter);
  }
  for (const parameter of own) sources.set(parameter.code, { from: 'own' });
  return sources;
}

/** `X.where(reference.startsWith('T/'))` where X is another reference parameter's expression. */
function restrictionOf(parameter: Candidate, own: readonly Candidate[]): ParamSource | undefined {
  if (parameter.kind !== 'reference') return undefined;
  const match = RESTRICTION.exec(parameter.expression);
  const base = match && own.find((o) => o.kind === 'reference' && o.expression === match[1]);
  return base && match?.[2] ? { from: 'params', params: [base.code], refType: match[2] } : undefined;
}

/** A union whose branches are exactly the branches of other parameters of the same kind. */
function unionOf(parameter: Candidate, own: readonly Candidate[]): ParamSource | undefined {
  const branches = new Set(splitTopLevelUnion(parameter.expression).map(unwrap));
  const covering = own.filter(
    (o) =>
      o.kind === parameter.kind && splitTopLevelUnion(o.expression).every((b) => branches.has(unwrap(b))),
  );
  const covered = new Set(covering.flatMap((o) => splitTopLevelUnion(o.expression).map(unwrap)));
  if (covered.size !== branches.size || covering.length === 0) return undefined;
  return { from: 'params', params: covering.map((o) => o.code), refType: null };
}

/** `(A.b)` → `A.b`: only parentheses that wrap the whole branch. */
function unwrap(branch: string): string {
  let text = branch.trim();
  while (text.startsWith('(') && text.endsWith(')') && closesAtEnd(text)) text = text.slice(1, -1).trim();
  return text;
}

function closesAtEnd(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === "'") inString = false;
    } else if (char === "'") inString = true;
    else if (char === '(') depth++;
    else if (char === ')') {
      depth--;
      if (depth === 0 && i < text.length - 1) return false;
    }
  }
  return true;
}
