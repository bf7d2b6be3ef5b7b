import type { z } from 'zod';
import { fieldName, type LoadProblem } from './load-error.ts';
import type { PositionedDocument } from './yaml-document.ts';

/** Turns zod issues into located problems; an unknown key is reported at the key's own line. */
export function reportSchemaIssues(
  issues: readonly z.core.$ZodIssue[],
  file: string,
  doc: PositionedDocument,
  problems: LoadProblem[],
): void {
  for (const issue of issues) {
    const path = issue.path.filter((step): step is string | number => typeof step !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({
          file,
          line: doc.lineOf(path, key),
          field: fieldName([...path, key]),
          message: 'unknown key',
        });
      }
    } else {
      problems.push({ file, line: doc.lineOf(path), field: fieldName(path), message: issue.message });
    }
  }
}
