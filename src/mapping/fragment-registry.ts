import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CompiledFragment, DocPath, TemplateCompileContext } from './compile-template.ts';
import { compileTemplate } from './compile-template.ts';
import { listFiles } from './load-concept-maps.ts';
import { fieldName, type LoadProblem } from './load-error.ts';
import { fragmentFileSchema } from './mapping-file-schema.ts';
import { reportSchemaIssues } from './schema-problems.ts';
import { type PositionedDocument, parsePositionedYaml } from './yaml-document.ts';

type FragmentSource = {
  readonly file: string;
  readonly doc: PositionedDocument;
  readonly params: ReadonlySet<string>;
  readonly template: unknown;
};

/** Compiles a fragment where it is used; `typePath` is the FHIR type at that place. */
export type FragmentResolver = (
  name: string,
  typePath: string | undefined,
  report: (message: string) => void,
) => CompiledFragment | undefined;

/**
 * Reads `fragments/*.yaml` and compiles each fragment on first use at a given FHIR type (the type
 * decides which elements repeat). Problems inside a fragment are reported against its own file.
 */
export function loadFragments(
  dir: string,
  problems: LoadProblem[],
  baseContext: Omit<TemplateCompileContext, 'report' | 'fragment' | 'scope'> & {
    scope: Omit<TemplateCompileContext['scope'], 'variables'>;
  },
): FragmentResolver {
  const sources = new Map<string, FragmentSource>();
  for (const name of listFiles(dir, '.yaml')) {
    const file = `fragments/${name}`;
    const doc = parsePositionedYaml(readFileSync(join(dir, name), 'utf8'));
    for (const error of doc.errors)
      problems.push({ file, line: error.line, field: '', message: error.message });
    if (doc.errors.length > 0) continue;
    const parsed = fragmentFileSchema.safeParse(doc.value);
    if (!parsed.success) {
      reportSchemaIssues(parsed.error.issues, file, doc, problems);
      continue;
    }
    const params = new Set(parsed.data.params ?? inferParams(parsed.data.template));
    sources.set(name.replace(/\.yaml$/, ''), { file, doc, params, template: parsed.data.template });
  }

  const compiled = new Map<string, CompiledFragment>();
  const inProgress = new Set<string>();

  const resolve: FragmentResolver = (name, typePath, report) => {
    const source = sources.get(name);
    if (!source) {
      report(`no fragment ${name} (mappings/fragments/${name}.yaml)`);
      return undefined;
    }
    const key = `${name}@${typePath ?? ''}`;
    const done = compiled.get(key);
    if (done) return done;
    if (inProgress.has(name)) {
      report(`fragment ${name} includes itself`);
      return undefined;
    }
    inProgress.add(name);
    const reportHere = (path: DocPath, message: string) =>
      problems.push({ file: source.file, line: source.doc.lineOf(path), field: fieldName(path), message });
    const node = compileTemplate(
      source.template,
      { docPath: ['template'], label: typePath ?? name, typePath },
      {
        ...baseContext,
        scope: { ...baseContext.scope, variables: new Set(['record', ...source.params]) },
        report: reportHere,
        fragment: (inner, innerType, path) =>
          resolve(inner, innerType, (message) => reportHere(path, message)),
      },
    );
    inProgress.delete(name);
    const fragment = { params: source.params, node };
    compiled.set(key, fragment);
    return fragment;
  };
  return resolve;
}

/** Every `%name` read by the fragment's expressions, except the variables the engine defines. */
function inferParams(template: unknown): string[] {
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string' && value.startsWith('=') && !value.startsWith('==')) {
      const withoutStrings = value.replace(/'(?:[^'\\]|\\.)*'/g, "''");
      for (const [, name = ''] of withoutStrings.matchAll(/%([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(name);
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(visit);
  };
  visit(template);
  for (const reserved of ['record', 'ucum', 'context', 'factory']) names.delete(reserved);
  return [...names].sort();
}
