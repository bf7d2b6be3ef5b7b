import type { OperationOutcome } from 'fhir/r4';
import { operationOutcome, outcomeIssue } from './operation-outcome.ts';

/** A search request the gateway rejects; `outcome` lists every problem found (HTTP 400). */
export class SearchError extends Error {
  override name = 'SearchError';
  readonly outcome: OperationOutcome;

  constructor(problems: readonly SearchProblem[]) {
    super(problems.map((problem) => problem.message).join('; '));
    this.outcome = operationOutcome(
      problems.map((problem) => outcomeIssue('error', problem.code, problem.message, problem.param)),
    );
  }
}

export type SearchProblem = {
  /** The parameter as the client wrote it (name and modifier), used as the issue's expression. */
  readonly param: string;
  readonly code: 'invalid' | 'not-supported' | 'value' | 'too-costly';
  readonly message: string;
};
