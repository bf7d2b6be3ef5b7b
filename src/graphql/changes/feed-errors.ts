import type { OperationOutcomeIssue } from 'fhir/r4';
import { GraphQLError } from 'graphql';
import { InvalidEventFilterError } from '../../events/event-filter.ts';
import { operationOutcome, outcomeIssue } from '../../fhir/operation-outcome.ts';
import { CursorError, CursorExpiredError } from '../../store/errors.ts';

/** An error of the change feed: a code clients branch on, and the OperationOutcome every error carries. */
export function feedError(
  message: string,
  code: string,
  issue: OperationOutcomeIssue['code'],
  extra: Record<string, unknown> = {},
): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code, ...extra, resource: operationOutcome([outcomeIssue('error', issue, message)]) },
  });
}

/** Bad input to a feed field, as the error the client gets; anything else is rethrown (and masked). */
export function asFeedError(err: unknown): never {
  if (err instanceof CursorExpiredError)
    throw feedError(
      `${err.message}: resynchronise (read the current state, then subscribe without \`after\`)`,
      'CURSOR_EXPIRED',
      'not-found',
    );
  if (err instanceof CursorError) throw feedError(err.message, 'INVALID_CURSOR', 'invalid');
  if (err instanceof InvalidEventFilterError) throw feedError(err.message, 'INVALID_FILTER', 'invalid');
  if (err instanceof RangeError) throw feedError(err.message, 'BAD_USER_INPUT', 'invalid');
  throw err;
}
