import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4';

/**
 * Builds an issue. `diagnostics` repeats `text` so clients that read either field see it. Callers
 * pass paths and codes only, never values taken from the resource (they may be PHI).
 */
export function outcomeIssue(
  severity: OperationOutcomeIssue['severity'],
  code: OperationOutcomeIssue['code'],
  text: string,
  expression?: string,
): OperationOutcomeIssue {
  return {
    severity,
    code,
    details: { text },
    diagnostics: text,
    ...(expression === undefined ? {} : { expression: [expression] }),
  };
}

export function operationOutcome(issues: OperationOutcomeIssue[]): OperationOutcome {
  // An outcome must have at least one issue; "all is well" is itself an informational issue.
  return {
    resourceType: 'OperationOutcome',
    issue: issues.length > 0 ? issues : [outcomeIssue('information', 'informational', 'All OK')],
  };
}

export function hasErrors(outcome: OperationOutcome): boolean {
  return outcome.issue.some((issue) => issue.severity === 'error' || issue.severity === 'fatal');
}

export function errorIssues(outcome: OperationOutcome): OperationOutcomeIssue[] {
  return outcome.issue.filter((issue) => issue.severity === 'error' || issue.severity === 'fatal');
}
