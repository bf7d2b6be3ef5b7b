import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConceptMap } from 'fhir/r4';
import type { FhirDefinitions } from '../fhir/definitions.ts';
import { errorIssues } from '../fhir/operation-outcome.ts';
import { validateResource } from '../fhir/validate-resource.ts';
import { conceptMapProblems } from './concept-translator.ts';
import type { LoadProblem } from './load-error.ts';
import { parsePositionedYaml } from './yaml-document.ts';

/**
 * Reads `conceptmaps/*.json`: each must be a valid FHIR R4 ConceptMap with a unique id and only
 * unmapped modes the translator supports. Problems are appended to `problems`.
 */
export function loadConceptMaps(dir: string, defs: FhirDefinitions, problems: LoadProblem[]): ConceptMap[] {
  const files = listFiles(dir, '.json');
  if (files.length > 0 && !defs.resourceTypes.includes('ConceptMap')) {
    problems.push({
      file: 'conceptmaps',
      line: undefined,
      field: '',
      message: 'the FHIR definitions do not include ConceptMap; load them with loadMappingDefinitions()',
    });
    return [];
  }
  const byId = new Map<string, string>();
  const maps: ConceptMap[] = [];
  for (const name of files) {
    const file = `conceptmaps/${name}`;
    // JSON is YAML, and the YAML parser knows where every value sits: that gives line numbers.
    const doc = parsePositionedYaml(readFileSync(join(dir, name), 'utf8'));
    const report = (path: (string | number)[], message: string) =>
      problems.push({
        file,
        line: doc.lineOf(path),
        field: path.join('.').replace(/\.(\d+)/g, '[$1]'),
        message,
      });
    for (const error of doc.errors)
      problems.push({ file, line: error.line, field: '', message: error.message });
    const resource = doc.value as ConceptMap | undefined;
    if (doc.errors.length > 0 || !resource) continue;
    if (resource.resourceType !== 'ConceptMap') {
      report(['resourceType'], 'must be ConceptMap');
      continue;
    }
    const fhirProblems = errorIssues(validateResource(defs, resource));
    for (const issue of fhirProblems) {
      const path = expressionPath(issue.expression?.[0]);
      report(path, issue.diagnostics ?? issue.code);
    }
    for (const message of conceptMapProblems(resource)) {
      const [field = '', ...rest] = message.split(': ');
      report(expressionPath(`ConceptMap.${field}`), rest.join(': '));
    }
    if (resource.id) {
      const other = byId.get(resource.id);
      if (other) report(['id'], `duplicate ConceptMap id (also in ${other})`);
      byId.set(resource.id, file);
    }
    if (fhirProblems.length === 0) maps.push(resource);
  }
  return maps;
}

/** `ConceptMap.group[0].unmapped.mode` → ['group', 0, 'unmapped', 'mode']. */
function expressionPath(expression: string | undefined): (string | number)[] {
  if (!expression) return [];
  return expression
    .split('.')
    .slice(1)
    .flatMap((part) => {
      const match = /^([^[]+)(?:\[(\d+)\])?$/.exec(part);
      if (!match?.[1]) return [];
      return match[2] === undefined ? [match[1]] : [match[1], Number(match[2])];
    });
}

export function listFiles(dir: string, extension: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith(extension))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
