import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FhirDefinitions } from '../fhir/definitions.ts';
import { type IdentityScheme, SOURCE_SYSTEMS, type SourceSystem } from '../fhir/identity.ts';
import { createExpressionCompiler } from './compile-expression.ts';
import { assembleMapping, type CompiledMapping } from './compile-mapping.ts';
import { compileTemplate, type DocPath, type TemplateCompileContext } from './compile-template.ts';
import { createConceptTranslator, type TranslationObserver } from './concept-translator.ts';
import { createDateTimeNormalizer } from './date-time.ts';
import { type ExpressionScope, lintExpression } from './expression-lint.ts';
import { createMappingFunctions } from './fhirpath-functions.ts';
import { type FragmentResolver, loadFragments } from './fragment-registry.ts';
import { listFiles, loadConceptMaps } from './load-concept-maps.ts';
import { fieldName, formatProblem, type LoadProblem, MappingLoadError } from './load-error.ts';
import { mappingFileSchema } from './mapping-file-schema.ts';
import { createMappingSet, type MappingSet } from './mapping-set.ts';
import { reverseSources } from './reverse-sources.ts';
import { reportSchemaIssues } from './schema-problems.ts';
import { parsePositionedYaml } from './yaml-document.ts';

export type LoadMappingSetOptions = {
  /** The `mappings/` directory: `<source>/*.yaml`, `fragments/*.yaml`, `conceptmaps/*.json`. */
  readonly dir: string;
  /** Must include ConceptMap (see loadMappingDefinitions). */
  readonly defs: FhirDefinitions;
  readonly scheme: IdentityScheme;
  /** Load only these sources' directories (default: every source); fragments and ConceptMaps always load. */
  readonly sources?: readonly SourceSystem[];
  /** Sees every forward code lookup (the unmapped report uses it). */
  readonly translationObserver?: TranslationObserver;
  /** false: every expression runs on fhirpath.js (to check the fast paths against it). Default true. */
  readonly fastPaths?: boolean;
};

/**
 * Loads, checks and compiles a mapping set. Every FHIRPath expression is compiled here, once.
 * Throws one MappingLoadError listing every problem found (`file:line: field: message`).
 */
export function loadMappingSet(options: LoadMappingSetOptions): MappingSet {
  const { dir, defs, scheme, sources = SOURCE_SYSTEMS } = options;
  const problems: LoadProblem[] = [];

  const conceptMaps = loadConceptMaps(join(dir, 'conceptmaps'), defs, problems);
  const translator = createConceptTranslator(conceptMaps, options.translationObserver);
  const compileExpression = createExpressionCompiler(
    createMappingFunctions({ translator, dates: createDateTimeNormalizer() }),
    { fastPaths: options.fastPaths ?? true },
  );
  const loadedMapIds = new Set(conceptMaps.flatMap((map) => (map.id ? [map.id] : [])));
  const resourceTypes = new Set(defs.resourceTypes);
  const fragments = loadFragments(join(dir, 'fragments'), problems, {
    compileExpression,
    scope: { conceptMaps: loadedMapIds, resourceTypes },
  });

  const mappings: CompiledMapping[] = [];
  for (const source of sources) {
    const sourceDir = join(dir, source);
    for (const name of listFiles(sourceDir, '.yaml')) {
      const file = `${source}/${name}`;
      const mapping = compileMappingFile({
        file,
        text: readFileSync(join(sourceDir, name), 'utf8'),
        expectedSource: source,
        problems,
        compileExpression,
        fragments,
        loadedMapIds,
        resourceTypes,
        scheme,
      });
      if (mapping) mappings.push(mapping);
    }
  }
  reportUnknownSourceDirectories(dir, problems);

  if (problems.length > 0) throw new MappingLoadError(uniqueSorted(problems));
  return createMappingSet(mappings, defs);
}

type FileInput = {
  readonly file: string;
  readonly text: string;
  readonly expectedSource: string;
  readonly problems: LoadProblem[];
  readonly compileExpression: TemplateCompileContext['compileExpression'];
  readonly fragments: FragmentResolver;
  readonly loadedMapIds: ReadonlySet<string>;
  readonly resourceTypes: ReadonlySet<string>;
  readonly scheme: IdentityScheme;
};

function compileMappingFile(input: FileInput): CompiledMapping | undefined {
  const { file, problems } = input;
  const doc = parsePositionedYaml(input.text);
  for (const error of doc.errors)
    problems.push({ file, line: error.line, field: '', message: error.message });
  if (doc.errors.length > 0) return undefined;
  const parsed = mappingFileSchema.safeParse(doc.value);
  if (!parsed.success) {
    reportSchemaIssues(parsed.error.issues, file, doc, problems);
    return undefined;
  }
  const spec = parsed.data;
  const before = problems.length;
  const report = (path: DocPath, message: string) =>
    problems.push({ file, line: doc.lineOf(path), field: fieldName(path), message });

  if (spec.source !== input.expectedSource)
    report(['source'], `must be ${input.expectedSource} (the directory)`);
  if (!input.resourceTypes.has(spec.target))
    report(['target'], `${spec.target} is not a supported resource type`);
  spec.conceptMaps.forEach((id, index) => {
    if (!input.loadedMapIds.has(id))
      report(['conceptMaps', index], `no ConceptMap with id ${id} in conceptmaps/`);
  });
  const scope: ExpressionScope = {
    variables: new Set(['record']),
    conceptMaps: new Set(spec.conceptMaps.filter((id) => input.loadedMapIds.has(id))),
    resourceTypes: input.resourceTypes,
  };
  const context: TemplateCompileContext = {
    compileExpression: input.compileExpression,
    scope,
    report,
    fragment: (name, typePath, path) => input.fragments(name, typePath, (message) => report(path, message)),
  };
  // Under `each`, the qualifier and the template see the item as %item (and its position as %index).
  const itemScope: ExpressionScope = spec.each
    ? { ...scope, variables: new Set([...scope.variables, 'item', 'index']) }
    : scope;
  const expression = (field: 'id' | 'qualifier' | 'when' | 'each', text: string | null | undefined) => {
    if (text === null || text === undefined) return undefined;
    const fieldScope = field === 'qualifier' ? itemScope : scope;
    for (const problem of lintExpression(text.slice(1), fieldScope)) report([field], problem);
    try {
      return input.compileExpression(text.slice(1));
    } catch (error) {
      report([field], `invalid FHIRPath: ${(error as Error).message.split('\n')[0]}`);
      return undefined;
    }
  };

  const id = expression('id', spec.id);
  const qualifier = expression('qualifier', spec.qualifier);
  const when = expression('when', spec.when);
  const each = expression('each', spec.each);
  if (spec.each && !spec.qualifier) {
    report(['each'], 'each needs a qualifier: every item becomes a resource with its own id');
  }
  const template = compileTemplate(
    spec.template,
    { docPath: ['template'], label: spec.target, typePath: spec.target },
    { ...context, scope: itemScope },
  );
  const reverseTemplate = spec.reverse
    ? compileTemplate(
        spec.reverse.template,
        { docPath: ['reverse', 'template'], label: 'payload', typePath: undefined },
        { ...context, scope: { ...scope, reverse: true } },
      )
    : undefined;

  if (problems.length > before || !id) return undefined;
  return assembleMapping({
    file,
    source: spec.source,
    entity: spec.entity,
    target: spec.target,
    id,
    qualifier,
    each,
    when,
    rewriteReferences: spec.rewriteReferences,
    template,
    reverseTemplate,
    reverseSources: spec.reverse ? reverseSources(spec.reverse.template, spec.target) : undefined,
    scheme: input.scheme,
  });
}

/** A directory that looks like a source but is none would be silently ignored otherwise. */
function reportUnknownSourceDirectories(dir: string, problems: LoadProblem[]): void {
  const known = new Set<string>([...SOURCE_SYSTEMS, 'conceptmaps', 'definitions', 'fragments', 'matching']);
  let entries: string[] = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    problems.push({
      file: '.',
      line: undefined,
      field: '',
      message: 'the mappings directory cannot be read',
    });
  }
  for (const name of entries) {
    if (!known.has(name)) {
      problems.push({ file: name, line: undefined, field: '', message: 'not a known source directory' });
    }
  }
}

function uniqueSorted(problems: LoadProblem[]): LoadProblem[] {
  const seen = new Map<string, LoadProblem>();
  for (const problem of problems) seen.set(formatProblem(problem), problem);
  return [...seen.values()].sort(
    (a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || a.field.localeCompare(b.field),
  );
}
