import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4';
import { SourceError } from '../connectors/connector.ts';
import { operationOutcome, outcomeIssue } from '../fhir/operation-outcome.ts';

/**
 * The stable codes a mutation fails with (the GraphQL error's `extensions.code`); clients branch
 * on these, never on message text. Messages name types, ids, fields and codes: never values.
 */
export const ACTION_ERROR_CODES = {
  VALIDATION: 'invalid',
  FORBIDDEN: 'forbidden',
  NOT_FOUND: 'not-found',
  CONFLICT: 'conflict',
  RATE_LIMITED: 'throttled',
  UNSUPPORTED_BY_SOURCE: 'not-supported',
  NEEDS_REAUTH: 'login',
  UNKNOWN_CONNECTION: 'not-found',
  FOREIGN_REFERENCE: 'business-rule',
  /** The source did not answer (timeout, dropped connection, 5xx): the write may or may not have happened. */
  SOURCE_UNAVAILABLE: 'transient',
  /** The source answered something the gateway could not read or map; the answer was quarantined. */
  SOURCE_ANSWER_UNMAPPED: 'processing',
} as const satisfies Record<string, OperationOutcomeIssue['code']>;

export type ActionErrorCode = keyof typeof ACTION_ERROR_CODES;

export class ActionError extends Error {
  override name = 'ActionError';
  readonly code: ActionErrorCode;
  readonly outcome: OperationOutcome;
  /** True when the source may have applied the write although the call failed (timeouts). */
  readonly ambiguous: boolean;
  constructor(
    code: ActionErrorCode,
    message: string,
    options: { issues?: OperationOutcomeIssue[]; ambiguous?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.ambiguous = options.ambiguous ?? false;
    this.outcome = operationOutcome(
      options.issues && options.issues.length > 0
        ? options.issues
        : [outcomeIssue('error', ACTION_ERROR_CODES[code], message)],
    );
  }
}

/**
 * A source's refusal as an action error. The source's own code (never its free text, which may
 * quote the record) goes into the issue so integrators can see what the source said.
 */
export function actionErrorFromSource(
  error: SourceError,
  what: string,
  elementsOf: FieldElements = () => [],
): ActionError {
  // A native field the source named: which FHIR elements it was made from (the reverse mapping).
  const field = error.sourceCode?.startsWith('field:') ? error.sourceCode.slice('field:'.length) : undefined;
  const elements = field ? elementsOf(field) : [];
  const detail = [
    error.status !== undefined ? `HTTP ${error.status}` : undefined,
    error.sourceCode !== undefined ? `source code ${error.sourceCode}` : undefined,
    elements.length > 0 ? `made from ${elements.join(', ')}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  const suffix = detail ? ` (${detail})` : '';
  switch (error.code) {
    case 'needs_reauth':
      return new ActionError(
        'NEEDS_REAUTH',
        `${what}: the source refused the connection's credentials; reconnect it${suffix}`,
      );
    case 'rate_limited':
      return new ActionError(
        'RATE_LIMITED',
        `${what}: the source's rate limit is reached; retry later${suffix}`,
      );
    case 'not_found':
      return new ActionError('NOT_FOUND', `${what}: the source has no such record${suffix}`);
    case 'forbidden':
      return new ActionError('FORBIDDEN', `${what}: the source refused the write (permission)${suffix}`);
    case 'conflict':
      return new ActionError('CONFLICT', `${what}: the source reported a conflict${suffix}`);
    case 'rejected':
      return new ActionError('VALIDATION', `${what}: the source rejected the input${suffix}`);
    case 'unavailable':
      return new ActionError(
        'SOURCE_UNAVAILABLE',
        `${what}: the source did not answer${suffix}; retry with the same idempotencyKey (the gateway finds out whether the first attempt was applied)`,
        { ambiguous: true },
      );
    default:
      return new ActionError('SOURCE_ANSWER_UNMAPPED', `${what}: the source answered unreadably${suffix}`, {
        ambiguous: true,
      });
  }
}

/** The FHIR elements (`Patient.generalPractitioner`) a native field of the write was made from. */
export type FieldElements = (field: string) => readonly string[];

export function asActionError(error: unknown, what: string, elementsOf?: FieldElements): ActionError {
  if (error instanceof ActionError) return error;
  if (error instanceof SourceError) return actionErrorFromSource(error, what, elementsOf);
  throw error;
}
